//! `clausier demo --scale small` (this file) and `--scale national` (`national`): a coherent, deterministic demo data set — one
//! structure, two donneurs d'ordre, three opérations, marchés with lots and clauses,
//! entreprises (SIAE included), 30 participants with criteria, contrats on clauses and
//! their monthly hours — and one login per role.

use chrono::{Datelike, Months, NaiveDate};
use entities::enums::*;
use entities::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set, TransactionTrait};

pub mod national;

use crate::auth::service::{self as accounts, NouvelUtilisateur};
use crate::clock::Clock;

pub const STRUCTURE: &str = "PLIE de démonstration";
pub const PASSWORD: &str = "demo-clausier-2026";

/// One demo login, with a fresh API token.
#[derive(Debug, Clone)]
pub struct Login {
    pub role: Role,
    pub email: String,
    pub token: String,
}

#[derive(Debug, Clone)]
pub struct Summary {
    pub created: bool,
    pub logins: Vec<Login>,
    pub participants: usize,
    pub contrats: usize,
    pub heures_validees_minutes: i64,
}

/// A valid SIRET (Luhn) derived from a number, so demo companies look real.
pub fn siret(n: u64) -> String {
    let base = format!("{:013}", 3_000_000_000_000u64 + n * 7919);
    let digits: Vec<u32> = base.bytes().map(|b| u32::from(b - b'0')).collect();
    // The check digit sits at position 0 from the right: its neighbours double.
    let sum: u32 = digits.iter().rev().enumerate().map(|(i, &d)| if i % 2 == 0 { let x = d * 2; if x > 9 { x - 9 } else { x } } else { d }).sum();
    format!("{base}{}", (10 - sum % 10) % 10)
}

fn d(y: i32, m: u32, j: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, j).expect("valid demo date")
}

fn email(role: Role) -> String {
    let local = match role {
        Role::Admin => "admin",
        Role::Facilitateur => "facilitateur",
        Role::Referent => "referent",
        Role::Entreprise => "entreprise",
        Role::DonneurOrdre => "donneur-ordre",
    };
    format!("{local}@demo.clausier.fr")
}

const ROLES: [Role; 5] = [Role::Admin, Role::Facilitateur, Role::Referent, Role::Entreprise, Role::DonneurOrdre];

pub async fn small(db: &(impl TransactionTrait + ConnectionTrait), clock: &Clock, token_ttl_days: i64, seed: u64) -> anyhow::Result<Summary> {
    let existing = structures::Entity::find().filter(structures::Column::Nom.eq(STRUCTURE)).one(db).await?;
    let created = existing.is_none();
    if created {
        let txn = crate::db::ecrire(db).await?;
        load_small(&txn, clock, seed).await?;
        txn.commit().await?;
    }
    let mut logins = Vec::new();
    for role in ROLES {
        let user = accounts::find_user_by_email(db, &email(role), None).await?.ok_or_else(|| anyhow::anyhow!("utilisateur de démonstration {} absent", email(role)))?;
        let token = accounts::issue_token(db, clock, token_ttl_days, &user, "demo").await?;
        logins.push(Login { role, email: user.email, token });
    }
    let structure = structures::Entity::find().filter(structures::Column::Nom.eq(STRUCTURE)).one(db).await?.ok_or_else(|| anyhow::anyhow!("structure absente"))?;
    let participants = participants::Entity::find().filter(participants::Column::StructureId.eq(structure.id)).all(db).await?.len();
    let contrats = contrats::Entity::find().filter(contrats::Column::StructureId.eq(structure.id)).all(db).await?.len();
    let heures_validees_minutes = heures_mensuelles::Entity::find()
        .filter(heures_mensuelles::Column::StructureId.eq(structure.id))
        .filter(heures_mensuelles::Column::Courante.eq(true))
        .filter(heures_mensuelles::Column::Statut.eq(StatutDeclaration::Validee))
        .all(db)
        .await?
        .iter()
        .map(|h| i64::from(h.minutes_travail + h.minutes_formation))
        .sum();
    Ok(Summary { created, logins, participants, contrats, heures_validees_minutes })
}

struct Ctx<'a, C> {
    db: &'a C,
    now: chrono::DateTime<chrono::Utc>,
    structure_id: i64,
}

impl<C: ConnectionTrait> Ctx<'_, C> {
    async fn entreprise(&self, n: u64, nom: &str, kind: TypeEntreprise, commune: &str) -> anyhow::Result<entreprises::Model> {
        Ok(entreprises::ActiveModel {
            structure_id: Set(self.structure_id),
            raison_sociale: Set(nom.into()),
            siret: Set(siret(n)),
            r#type: Set(kind),
            adresse: Set(None),
            code_postal: Set(None),
            commune: Set(Some(commune.into())),
            created_at: Set(self.now),
            updated_at: Set(self.now),
            ..Default::default()
        }
        .insert(self.db)
        .await?)
    }

    async fn donneur_ordre(&self, n: u64, nom: &str, kind: TypeDonneurOrdre) -> anyhow::Result<donneurs_ordre::Model> {
        Ok(donneurs_ordre::ActiveModel {
            structure_id: Set(self.structure_id),
            nom: Set(nom.into()),
            siret: Set(siret(n)),
            r#type: Set(kind),
            adresse: Set(None),
            code_postal: Set(None),
            commune: Set(Some("Bordeaux".into())),
            created_at: Set(self.now),
            updated_at: Set(self.now),
            ..Default::default()
        }
        .insert(self.db)
        .await?)
    }

    async fn operation(&self, donneur: i64, nom: &str, qpv: bool, secteur: Secteur, facilitateur: i64) -> anyhow::Result<operations::Model> {
        Ok(operations::ActiveModel {
            structure_id: Set(self.structure_id),
            donneur_ordre_id: Set(donneur),
            nom: Set(nom.into()),
            commune: Set("Bordeaux".into()),
            qpv: Set(qpv),
            anru: Set(qpv),
            secteur: Set(secteur),
            date_debut: Set(Some(d(2025, 1, 1))),
            date_fin: Set(Some(d(2026, 12, 31))),
            facilitateur_id: Set(Some(facilitateur)),
            created_at: Set(self.now),
            updated_at: Set(self.now),
            ..Default::default()
        }
        .insert(self.db)
        .await?)
    }

    async fn marche(&self, operation: i64, numero: &str, objet: &str, nature: NatureMarche, montant_euros: i64) -> anyhow::Result<marches::Model> {
        Ok(marches::ActiveModel {
            structure_id: Set(self.structure_id),
            operation_id: Set(operation),
            numero: Set(numero.into()),
            decp_uid: Set(None),
            objet: Set(objet.into()),
            nature: Set(nature),
            code_cpv: Set(None),
            procedure: Set(Some("Appel d'offres ouvert".into())),
            montant_ht_cents: Set(montant_euros * 100),
            date_notification: Set(Some(d(2024, 12, 2))),
            date_debut: Set(d(2025, 1, 1)),
            date_fin: Set(d(2026, 12, 31)),
            duree_mois: Set(Some(24)),
            lieu_execution: Set(Some("Bordeaux".into())),
            created_at: Set(self.now),
            updated_at: Set(self.now),
            ..Default::default()
        }
        .insert(self.db)
        .await?)
    }

    async fn lot(&self, marche: &marches::Model, numero: &str, intitule: &str, montant_euros: i64) -> anyhow::Result<lots::Model> {
        Ok(lots::ActiveModel {
            structure_id: Set(self.structure_id),
            marche_id: Set(marche.id),
            numero: Set(numero.into()),
            intitule: Set(intitule.into()),
            montant_ht_cents: Set(montant_euros * 100),
            created_at: Set(self.now),
            ..Default::default()
        }
        .insert(self.db)
        .await?)
    }

    /// The opération of a marché created by this demo.
    async fn operation_de(&self, marche: i64) -> anyhow::Result<i64> {
        Ok(marches::Entity::find_by_id(marche).one(self.db).await?.map(|m| m.operation_id).ok_or_else(|| anyhow::anyhow!("marché {marche} introuvable"))?)
    }

    /// A clause with a fixed objective (`heures`) or a computed one (`calcul`, from the lot's amount).
    async fn clause(&self, lot: &lots::Model, objectif_heures: Option<i32>, globalisable: bool) -> anyhow::Result<clauses::Model> {
        let calcul = objectif_heures.is_none();
        Ok(clauses::ActiveModel {
            structure_id: Set(self.structure_id),
            lot_id: Set(lot.id),
            marche_id: Set(lot.marche_id),
            operation_id: Set(self.operation_de(lot.marche_id).await?),
            r#type: Set(TypeClause::Execution),
            mode_objectif: Set(if calcul { ModeObjectif::Calcul } else { ModeObjectif::Heures }),
            objectif_minutes: Set(objectif_heures.map(|h| h * 60)),
            calcul_montant_ht_cents: Set(calcul.then_some(lot.montant_ht_cents)),
            calcul_part_main_oeuvre_ppm: Set(calcul.then_some(500_000)),
            calcul_taux_insertion_ppm: Set(calcul.then_some(50_000)),
            calcul_cout_horaire_cents: Set(calcul.then_some(3_000)),
            pourcentage_heures_ppm: Set(None),
            cents_par_heure: Set(None),
            objectif_force_minutes: Set(None),
            motif_forcage: Set(None),
            globalisable: Set(globalisable),
            penalite_par_heure_cents: Set(Some(5_000)),
            date_debut: Set(d(2025, 1, 1)),
            date_fin: Set(d(2026, 12, 31)),
            regles: Set(serde_json::json!({})),
            created_at: Set(self.now),
            updated_at: Set(self.now),
            ..Default::default()
        }
        .insert(self.db)
        .await?)
    }

    async fn attribution(&self, lot: &lots::Model, entreprise: i64, role: RoleAttribution) -> anyhow::Result<()> {
        attributions::ActiveModel {
            structure_id: Set(self.structure_id),
            marche_id: Set(lot.marche_id),
            lot_id: Set(lot.id),
            entreprise_id: Set(entreprise),
            role: Set(role),
            montant_ht_cents: Set(None),
            created_at: Set(self.now),
            ..Default::default()
        }
        .insert(self.db)
        .await?;
        Ok(())
    }
}

const NOMS: [&str; 30] = [
    "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau",
    "Simon", "Laurent", "Lefebvre", "Michel", "Garcia", "David", "Bertrand", "Roux", "Vincent", "Fournier",
    "Morel", "Girard", "Andre", "Mercier", "Dupont", "Lambert", "Bonnet", "Francois", "Martinez", "Diallo",
];
const PRENOMS_F: [&str; 8] = ["Aïcha", "Camille", "Fatou", "Julie", "Léa", "Nadia", "Sophie", "Yasmina"];
const PRENOMS_M: [&str; 8] = ["Karim", "Lucas", "Mamadou", "Nicolas", "Olivier", "Rachid", "Théo", "Youssef"];
const POSTES: [&str; 6] = ["Ouvrier polyvalent du bâtiment", "Maçon", "Peintre en bâtiment", "Agent d'entretien des espaces verts", "Manœuvre", "Plaquiste"];

async fn load_small<C: ConnectionTrait>(db: &C, clock: &Clock, seed: u64) -> anyhow::Result<()> {
    let mut rng = StdRng::seed_from_u64(seed);
    let structure = accounts::ensure_structure(db, clock, STRUCTURE).await?;
    let cx = Ctx { db, now: clock.now(), structure_id: structure.id };

    let metropole = cx.donneur_ordre(1, "Bordeaux Métropole", TypeDonneurOrdre::Epci).await?;
    let bailleur = cx.donneur_ordre(2, "Aquitanis", TypeDonneurOrdre::BailleurSocial).await?;

    let mut users = std::collections::HashMap::new();
    for role in [Role::Admin, Role::Facilitateur, Role::Referent] {
        let nom = match role { Role::Admin => "Alice Admin", Role::Facilitateur => "Florence Facilitatrice", _ => "Romain Référent" };
        let u = accounts::create_user(db, clock, NouvelUtilisateur { structure_id: structure.id, email: email(role), nom: nom.into(), role, password: Some(PASSWORD.into()), entreprise_id: None, donneur_ordre_id: None }).await?;
        users.insert(role, u.id);
    }
    let facilitateur = users[&Role::Facilitateur];
    let referent = users[&Role::Referent];

    // Companies: attributaires, SIAE and insertion employers.
    let batir = cx.entreprise(10, "Bâtir Aquitaine SAS", TypeEntreprise::Classique, "Mérignac").await?;
    let renov = cx.entreprise(11, "Rénov'Habitat", TypeEntreprise::Classique, "Pessac").await?;
    let verts = cx.entreprise(12, "Jardins de Garonne", TypeEntreprise::Classique, "Bègles").await?;
    let etti = cx.entreprise(13, "Intérim Solidaire 33 (ETTI)", TypeEntreprise::Etti, "Bordeaux").await?;
    let ei = cx.entreprise(14, "Second Œuvre Insertion (EI)", TypeEntreprise::Ei, "Bordeaux").await?;
    let aci = cx.entreprise(15, "Chantier Nature (ACI)", TypeEntreprise::Aci, "Lormont").await?;
    let geiq = cx.entreprise(16, "GEIQ BTP Gironde", TypeEntreprise::Geiq, "Bordeaux").await?;
    accounts::create_user(db, clock, NouvelUtilisateur { structure_id: structure.id, email: email(Role::Entreprise), nom: "Éric Comptable (Bâtir Aquitaine)".into(), role: Role::Entreprise, password: Some(PASSWORD.into()), entreprise_id: Some(batir.id), donneur_ordre_id: None }).await?;
    accounts::create_user(db, clock, NouvelUtilisateur { structure_id: structure.id, email: email(Role::DonneurOrdre), nom: "Diane Acheteuse (Bordeaux Métropole)".into(), role: Role::DonneurOrdre, password: Some(PASSWORD.into()), entreprise_id: None, donneur_ordre_id: Some(metropole.id) }).await?;
    for (e, nom) in [(&batir, "Service paie"), (&renov, "Direction"), (&verts, "Responsable RH"), (&etti, "Chargée d'insertion")] {
        contacts::ActiveModel {
            structure_id: Set(structure.id),
            entreprise_id: Set(Some(e.id)),
            donneur_ordre_id: Set(None),
            nom: Set(nom.into()),
            prenom: Set(None),
            fonction: Set(None),
            email: Set(Some(format!("contact{}@exemple.fr", e.id))),
            telephone: Set(None),
            recoit_relances: Set(true),
            recoit_bilans: Set(false),
            created_at: Set(cx.now),
            ..Default::default()
        }
        .insert(db)
        .await?;
    }

    // Opérations, marchés, lots, clauses, attributions.
    let pru = cx.operation(bailleur.id, "PRU Grand Parc – réhabilitation 420 logements", true, Secteur::Btp, facilitateur).await?;
    let ecole = cx.operation(metropole.id, "Construction du groupe scolaire Bastide", false, Secteur::Btp, facilitateur).await?;
    let espaces = cx.operation(metropole.id, "Entretien des espaces verts 2025-2026", false, Secteur::HorsBtp, facilitateur).await?;

    let m1 = cx.marche(pru.id, "2024-PRU-01", "Réhabilitation des bâtiments A à D", NatureMarche::Travaux, 27_000_000).await?;
    let m1l1 = cx.lot(&m1, "1", "Gros œuvre", 18_000_000).await?;
    let m1l2 = cx.lot(&m1, "2", "Peinture et revêtements", 9_000_000).await?;
    let m2 = cx.marche(ecole.id, "2024-ECO-07", "Construction d'un groupe scolaire de 14 classes", NatureMarche::Travaux, 8_000_000).await?;
    let m2l1 = cx.lot(&m2, "1", "Lot unique", 8_000_000).await?;
    let m3 = cx.marche(espaces.id, "2024-EV-03", "Entretien des parcs et jardins", NatureMarche::Services, 600_000).await?;
    let m3l1 = cx.lot(&m3, "1", "Secteur rive droite", 600_000).await?;

    // Objectives sized so that the dashboard shows every status on the demo's hours:
    // conforme, en retard, critique and atteinte.
    let c1 = cx.clause(&m1l1, None, true).await?; // 18 000 000 × 50 % × 5 % ÷ 30 = 15 000 h
    let c2 = cx.clause(&m1l2, Some(12_000), true).await?;
    let c3 = cx.clause(&m2l1, None, false).await?; // 6 667 h
    let c4 = cx.clause(&m3l1, Some(9_000), false).await?;
    cx.attribution(&m1l1, batir.id, RoleAttribution::Titulaire).await?;
    cx.attribution(&m1l1, ei.id, RoleAttribution::Soustraitant).await?;
    cx.attribution(&m1l2, renov.id, RoleAttribution::Titulaire).await?;
    cx.attribution(&m2l1, batir.id, RoleAttribution::Titulaire).await?;
    cx.attribution(&m3l1, verts.id, RoleAttribution::Titulaire).await?;
    cx.attribution(&m3l1, aci.id, RoleAttribution::Cotraitant).await?;

    // Where contrats go: (clause, attributaire, employeur, modalité, contract types).
    let placements = [
        (&c1, &batir, &batir, Modalite::EmbaucheDirecte, [TypeContrat::Cdd, TypeContrat::Cdi]),
        (&c1, &batir, &etti, Modalite::MiseADisposition, [TypeContrat::MissionEtti, TypeContrat::MissionEtti]),
        (&c1, &batir, &ei, Modalite::SousTraitance, [TypeContrat::Cddi, TypeContrat::Cddi]),
        (&c2, &renov, &renov, Modalite::EmbaucheDirecte, [TypeContrat::Cdd, TypeContrat::ContratPro]),
        (&c2, &renov, &geiq, Modalite::MiseADisposition, [TypeContrat::ContratPro, TypeContrat::Apprentissage]),
        (&c3, &batir, &batir, Modalite::EmbaucheDirecte, [TypeContrat::Cdd, TypeContrat::Cdd]),
        (&c4, &verts, &verts, Modalite::EmbaucheDirecte, [TypeContrat::Cdd, TypeContrat::Cdi]),
        (&c4, &verts, &aci, Modalite::Cotraitance, [TypeContrat::Cddi, TypeContrat::Cddi]),
    ];
    let codes = [CodeCritere::Rsa, CodeCritere::Deld, CodeCritere::JeunePeuQualifie, CodeCritere::Qpv, CodeCritere::Th, CodeCritere::Senior, CodeCritere::Ass];
    let niveaux = [NiveauFormation::Infra3, NiveauFormation::N3, NiveauFormation::N3, NiveauFormation::N4, NiveauFormation::N5];

    for (i, nom) in NOMS.iter().enumerate() {
        let femme = rng.gen_bool(0.4);
        let prenom = if femme { PRENOMS_F[rng.gen_range(0..8)] } else { PRENOMS_M[rng.gen_range(0..8)] };
        let age = [19, 23, 24, 31, 38, 45, 52, 57][rng.gen_range(0..8)];
        let naissance = d(2025 - age, rng.gen_range(1..=12), rng.gen_range(1..=28));
        let qpv = rng.gen_bool(0.45);
        let suivi = i % 2 == 0;
        let p = participants::ActiveModel {
            structure_id: Set(structure.id),
            nom: Set((*nom).into()),
            prenom: Set(prenom.into()),
            date_naissance: Set(naissance),
            sexe: Set(if femme { Sexe::F } else { Sexe::M }),
            adresse: Set(None),
            code_postal: Set(Some("33000".into())),
            commune: Set(["Bordeaux", "Lormont", "Cenon", "Floirac", "Bègles"][i % 5].into()),
            qpv: Set(qpv),
            qpv_code: Set(qpv.then(|| "QN03301M".into())),
            niveau_formation: Set(niveaux[rng.gen_range(0..niveaux.len())]),
            demandeur_emploi_depuis: Set(Some(d(2023, rng.gen_range(1..=12), 1))),
            inscrit_france_travail: Set(true),
            beneficiaire_rsa: Set(i % 3 == 0),
            beneficiaire_ass: Set(false),
            beneficiaire_aah: Set(false),
            rqth: Set(i % 11 == 0),
            telephone: Set(None),
            email: Set(None),
            referent_id: Set(suivi.then_some(referent)),
            prescripteur_type: Set(Some([TypePrescripteur::FranceTravail, TypePrescripteur::MissionLocale, TypePrescripteur::Departement, TypePrescripteur::Plie][i % 4])),
            prescripteur_nom: Set(None),
            anonymise_at: Set(None),
            created_at: Set(cx.now),
            updated_at: Set(cx.now),
            ..Default::default()
        }
        .insert(db)
        .await?;
        if suivi {
            referent_assignations::ActiveModel {
                structure_id: Set(structure.id),
                participant_id: Set(p.id),
                referent_id: Set(referent),
                du: Set(d(2024, 10, 1)),
                au: Set(None),
                assigne_par_id: Set(Some(facilitateur)),
                created_at: Set(cx.now),
                ..Default::default()
            }
            .insert(db)
            .await?;
        }
        // Three people (i = 7, 17, 27) have no verified criterion: their hours are not retenues.
        if i % 10 != 7 {
            criteres::ActiveModel {
                structure_id: Set(structure.id),
                participant_id: Set(p.id),
                code: Set(codes[i % codes.len()]),
                libelle: Set(None),
                justificatif: Set("Attestation consultée".into()),
                justification: Set(None),
                date_verification: Set(d(2024, 11 + (i as u32 % 2), 5)),
                verifie_par_id: Set(Some(facilitateur)),
                valide_jusqu_au: Set(None),
                retire_at: Set(None),
                retire_par_id: Set(None),
                motif_retrait: Set(None),
                created_at: Set(cx.now),
                ..Default::default()
            }
            .insert(db)
            .await?;
        }
        // 26 of the 30 people have a contrat on a clause.
        if i >= 26 {
            continue;
        }
        let (clause, attributaire, employeur, modalite, types) = placements[i % placements.len()];
        let type_contrat = types[(i / placements.len()) % 2];
        let debut = d(2025, 1 + (i as u32 % 6), 1);
        let fin = debut.checked_add_months(Months::new(6 + (i as u32 % 4) * 3)).expect("date").pred_opt().expect("date");
        let heures_hebdo = if i % 5 == 0 { 24 } else { 35 };
        let poste = POSTES[i % POSTES.len()];
        let etape = etapes::ActiveModel {
            structure_id: Set(structure.id),
            participant_id: Set(p.id),
            r#type: Set(TypeEtape::Emploi),
            sous_type: Set(None),
            intitule: Set(format!("{poste} — {}", employeur.raison_sociale)),
            date_debut: Set(debut),
            date_fin: Set(Some(fin)),
            resultat: Set(None),
            minutes_formation: Set(None),
            certification: Set(None),
            sensible: Set(false),
            created_at: Set(cx.now),
            updated_at: Set(cx.now),
            ..Default::default()
        }
        .insert(db)
        .await?;
        let contrat = contrats::ActiveModel {
            structure_id: Set(structure.id),
            participant_id: Set(p.id),
            etape_id: Set(etape.id),
            employeur_id: Set(employeur.id),
            type_contrat: Set(type_contrat),
            date_debut: Set(debut),
            date_fin_prevue: Set(if type_contrat == TypeContrat::Cdi { None } else { Some(fin) }),
            date_fin_reelle: Set(None),
            motif_fin: Set(None),
            minutes_hebdo: Set(heures_hebdo * 60),
            poste: Set(poste.into()),
            code_rome: Set(None),
            created_at: Set(cx.now),
            updated_at: Set(cx.now),
            ..Default::default()
        }
        .insert(db)
        .await?;
        mises_en_emploi::ActiveModel {
            structure_id: Set(structure.id),
            contrat_id: Set(contrat.id),
            clause_id: Set(clause.id),
            marche_id: Set(clause.marche_id),
            operation_id: Set(clause.operation_id),
            attributaire_id: Set(attributaire.id),
            modalite: Set(modalite),
            valide_par_id: Set(Some(facilitateur)),
            created_at: Set(cx.now),
            ..Default::default()
        }
        .insert(db)
        .await?;
        // Monthly hours up to October 2026: validated, except the last month (declared,
        // waiting for validation; still to declare for Bâtir, the demo company's account,
        // so that its home and its reminder have something to show) and one month sent
        // back for correction.
        let dernier = if type_contrat == TypeContrat::Cdi { d(2026, 10, 1) } else { d(fin.year(), fin.month(), 1).min(d(2026, 10, 1)) };
        let mut mois = debut;
        while mois <= dernier {
            if mois == dernier && mois == d(2026, 10, 1) && employeur.id == batir.id {
                break;
            }
            let base = heures_hebdo * 13 / 3; // ~4.33 weeks
            let travail = (base - rng.gen_range(0..=8)) * 60 + [0, 15, 30, 45][rng.gen_range(0..4)];
            let formation = if matches!(type_contrat, TypeContrat::ContratPro | TypeContrat::Apprentissage) { 20 * 60 } else { 0 };
            let statut = if mois == dernier { StatutDeclaration::Declaree } else if i == 3 && mois == d(2025, 6, 1) { StatutDeclaration::ACorriger } else { StatutDeclaration::Validee };
            let decided = matches!(statut, StatutDeclaration::Validee | StatutDeclaration::ACorriger);
            heures_mensuelles::ActiveModel {
                structure_id: Set(structure.id),
                contrat_id: Set(contrat.id),
                mois: Set(mois),
                revision: Set(1),
                courante: Set(true),
                minutes_travail: Set(travail),
                minutes_formation: Set(formation),
                statut: Set(statut),
                motif: Set(None),
                declare_par_id: Set(Some(facilitateur)),
                declare_at: Set(Some(cx.now)),
                decide_par_id: Set(decided.then_some(facilitateur)),
                decide_at: Set(decided.then_some(cx.now)),
                motif_decision: Set((statut == StatutDeclaration::ACorriger).then(|| "Heures supérieures au planning du chantier : merci de vérifier.".into())),
                created_at: Set(cx.now),
                ..Default::default()
            }
            .insert(db)
            .await?;
            mois = mois.checked_add_months(Months::new(1)).expect("date");
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn demo_sirets_are_valid() {
        for n in 0..50 {
            let s = super::siret(n);
            assert!(crate::clauses::siret::Siret::parse(&s).is_ok(), "{s}");
        }
    }
}
