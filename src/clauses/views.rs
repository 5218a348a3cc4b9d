//! What the clause module's API returns.

use chrono::{DateTime, Utc};
use entities::enums::{TypeDonneurOrdre, TypeEntreprise};
use entities::{donneurs_ordre, entreprises};
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub struct DonneurOrdre {
    pub id: i64,
    pub nom: String,
    pub siret: String,
    #[serde(rename = "type")]
    pub type_: TypeDonneurOrdre,
    pub adresse: Option<String>,
    pub code_postal: Option<String>,
    pub commune: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl From<donneurs_ordre::Model> for DonneurOrdre {
    fn from(m: donneurs_ordre::Model) -> Self {
        DonneurOrdre { id: m.id, nom: m.nom, siret: m.siret, type_: m.r#type, adresse: m.adresse, code_postal: m.code_postal, commune: m.commune, created_at: m.created_at }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Entreprise {
    pub id: i64,
    pub raison_sociale: String,
    /// The SIRET, or the identifier of the kind `type_identifiant`.
    pub siret: String,
    pub type_identifiant: entities::enums::TypeIdentifiant,
    #[serde(rename = "type")]
    pub type_: TypeEntreprise,
    /// Structure d'insertion par l'activité économique (derived from the kind).
    pub siae: bool,
    pub adresse: Option<String>,
    pub code_postal: Option<String>,
    pub commune: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// SIAE kinds (domain.md §3.2). GEIQ, EA, ESAT, ETT are insertion employers, not SIAE.
pub fn est_siae(kind: TypeEntreprise) -> bool {
    matches!(kind, TypeEntreprise::Ei | TypeEntreprise::Etti | TypeEntreprise::Aci | TypeEntreprise::Ai | TypeEntreprise::Eiti)
}

impl From<entreprises::Model> for Entreprise {
    fn from(m: entreprises::Model) -> Self {
        Entreprise {
            id: m.id,
            raison_sociale: m.raison_sociale,
            siret: m.siret,
            type_identifiant: m.type_identifiant,
            type_: m.r#type,
            siae: est_siae(m.r#type),
            adresse: m.adresse,
            code_postal: m.code_postal,
            commune: m.commune,
            created_at: m.created_at,
        }
    }
}

// ---------------------------------------------------------------- opérations, marchés, lots

use chrono::NaiveDate;
use entities::enums::{ModeObjectif, Modalite, NatureMarche, RoleAttribution, Secteur, TypeClause, TypeContrat};
use entities::{attributions, contacts, lots, marches, operations};

use crate::comptage::{Avancement, ComptageClause, Estimation, Globalisation, LigneComptee, NonRetenues, ReglesComptage, StatutAvancement};
use crate::parcours::limites::heures;

fn euros(cents: i64) -> f64 {
    cents as f64 / 100.0
}

fn ratio(ppm: i64) -> f64 {
    ppm as f64 / 1_000_000.0
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Operation {
    pub id: i64,
    pub donneur_ordre_id: i64,
    pub nom: String,
    pub commune: String,
    pub qpv: bool,
    pub anru: bool,
    pub secteur: Secteur,
    pub date_debut: Option<NaiveDate>,
    pub date_fin: Option<NaiveDate>,
    pub facilitateur_id: Option<i64>,
    /// Totals of the opération's clauses (on reading one opération).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub avancement: Option<Totaux>,
}

impl From<operations::Model> for Operation {
    fn from(o: operations::Model) -> Self {
        Operation { id: o.id, donneur_ordre_id: o.donneur_ordre_id, nom: o.nom, commune: o.commune, qpv: o.qpv, anru: o.anru, secteur: o.secteur, date_debut: o.date_debut, date_fin: o.date_fin, facilitateur_id: o.facilitateur_id, avancement: None }
    }
}

/// Hours of a set of clauses (an opération, a marché), summed from the same counting.
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct Totaux {
    pub date: Option<NaiveDate>,
    pub clauses: usize,
    pub heures_objectif: f64,
    pub heures_realisees: f64,
    pub heures_retenues: f64,
    pub heures_non_retenues: HeuresNonRetenues,
    pub taux_realisation: f64,
}

#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct HeuresNonRetenues {
    pub non_eligible: f64,
    pub hors_periode: f64,
    pub plafond: f64,
    pub formation_exclue: f64,
    pub coefficient: f64,
}

impl From<&NonRetenues> for HeuresNonRetenues {
    fn from(n: &NonRetenues) -> Self {
        HeuresNonRetenues { non_eligible: heures(n.non_eligible), hors_periode: heures(n.hors_periode), plafond: heures(n.plafond), formation_exclue: heures(n.formation_exclue), coefficient: heures(n.coefficient) }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Lot {
    pub id: i64,
    pub marche_id: i64,
    pub numero: String,
    pub intitule: String,
    pub montant_ht: f64,
}

impl From<lots::Model> for Lot {
    fn from(l: lots::Model) -> Self {
        Lot { id: l.id, marche_id: l.marche_id, numero: l.numero, intitule: l.intitule, montant_ht: euros(l.montant_ht_cents) }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Marche {
    pub id: i64,
    pub operation_id: i64,
    pub numero: String,
    pub decp_uid: Option<String>,
    pub objet: String,
    pub nature: NatureMarche,
    pub code_cpv: Option<String>,
    pub procedure: Option<String>,
    pub montant_ht: f64,
    pub date_notification: Option<NaiveDate>,
    pub date_debut: NaiveDate,
    pub date_fin: NaiveDate,
    pub lieu_execution: Option<String>,
    pub lots: Vec<Lot>,
}

impl Marche {
    pub fn new(m: marches::Model, lots: Vec<lots::Model>) -> Marche {
        Marche {
            id: m.id,
            operation_id: m.operation_id,
            numero: m.numero,
            decp_uid: m.decp_uid,
            objet: m.objet,
            nature: m.nature,
            code_cpv: m.code_cpv,
            procedure: m.procedure,
            montant_ht: euros(m.montant_ht_cents),
            date_notification: m.date_notification,
            date_debut: m.date_debut,
            date_fin: m.date_fin,
            lieu_execution: m.lieu_execution,
            lots: lots.into_iter().map(Lot::from).collect(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Attribution {
    pub id: i64,
    pub marche_id: i64,
    pub lot_id: i64,
    pub entreprise_id: i64,
    pub role: RoleAttribution,
    pub montant_ht: Option<f64>,
}

impl From<attributions::Model> for Attribution {
    fn from(a: attributions::Model) -> Self {
        Attribution { id: a.id, marche_id: a.marche_id, lot_id: a.lot_id, entreprise_id: a.entreprise_id, role: a.role, montant_ht: a.montant_ht_cents.map(euros) }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Contact {
    pub id: i64,
    pub entreprise_id: Option<i64>,
    pub donneur_ordre_id: Option<i64>,
    pub nom: String,
    pub prenom: Option<String>,
    pub fonction: Option<String>,
    pub email: Option<String>,
    pub telephone: Option<String>,
    pub recoit_relances: bool,
    pub recoit_bilans: bool,
}

impl From<contacts::Model> for Contact {
    fn from(c: contacts::Model) -> Self {
        Contact { id: c.id, entreprise_id: c.entreprise_id, donneur_ordre_id: c.donneur_ordre_id, nom: c.nom, prenom: c.prenom, fonction: c.fonction, email: c.email, telephone: c.telephone, recoit_relances: c.recoit_relances, recoit_bilans: c.recoit_bilans }
    }
}

// ---------------------------------------------------------------- clauses

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Objectif {
    pub mode: ModeObjectif,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub heures: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub montant_ht: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub part_main_oeuvre: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub taux_insertion: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cout_horaire: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pourcentage: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub heures_travaillees_marche: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub euros_par_heure: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub montant_facture_ht: Option<f64>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Forcage {
    pub heures: f64,
    pub motif: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Clause {
    pub id: i64,
    pub lot_id: i64,
    pub marche_id: i64,
    #[serde(rename = "type")]
    pub type_: TypeClause,
    pub date_debut: NaiveDate,
    pub date_fin: NaiveDate,
    pub globalisable: bool,
    pub objectif: Objectif,
    /// The objective in force, in hours (computed, or forced).
    pub heures_objectif: f64,
    pub objectif_explication: String,
    pub objectif_force: Option<Forcage>,
    pub penalite_par_heure: Option<f64>,
    pub regles: ReglesComptage,
    /// Validated hours (worked + training) of the linked contrats, months up to the date.
    pub heures_realisees: f64,
    /// Counted towards the objective, after globalisation.
    pub heures_retenues: f64,
    /// Counted on this lot before globalisation.
    pub heures_retenues_propres: f64,
    pub heures_recues: f64,
    pub heures_cedees: f64,
    /// Estimated from sous-traitance amounts (rule 6), included in retenues.
    pub heures_estimees: f64,
    pub heures_non_retenues: HeuresNonRetenues,
    pub taux_realisation: f64,
    pub heures_attendues: f64,
    pub part_ecoulee: f64,
    pub statut_avancement: StatutAvancement,
    pub date_avancement: NaiveDate,
    /// Missing hours × penalty, in € (theoretical: the buyer decides).
    pub penalites_theoriques: f64,
}

/// A clause with its counting at a date.
pub struct ClauseComptee {
    pub clause: crate::clauses::service::compte::ClauseLue,
    pub marche_id: i64,
    pub objectif_minutes: i64,
    pub objectif_explication: String,
    pub comptage: ComptageClause,
    pub globalisation: Globalisation,
    pub avancement: Avancement,
}

impl From<&ClauseComptee> for Clause {
    fn from(cc: &ClauseComptee) -> Self {
        let c = &cc.clause;
        let objectif = Objectif {
            mode: c.mode_objectif,
            heures: c.objectif_minutes.map(|m| heures(m.into())),
            montant_ht: c.calcul_montant_ht_cents.map(euros),
            part_main_oeuvre: c.calcul_part_main_oeuvre_ppm.map(|p| ratio(p.into())),
            taux_insertion: c.calcul_taux_insertion_ppm.map(|p| ratio(p.into())),
            cout_horaire: c.calcul_cout_horaire_cents.map(euros),
            pourcentage: c.pourcentage_heures_ppm.map(|p| ratio(p.into())),
            heures_travaillees_marche: c.heures_travaillees_marche_minutes.map(heures),
            euros_par_heure: c.cents_par_heure.map(euros),
            montant_facture_ht: c.montant_facture_cents.map(euros),
        };
        let manque = (cc.objectif_minutes - cc.globalisation.retenues).max(0);
        let penalites = c.penalite_par_heure_cents.map_or(0, |p| crate::comptage::mul_div_round(manque, p, 60));
        Clause {
            id: c.id,
            lot_id: c.lot_id,
            marche_id: cc.marche_id,
            type_: c.r#type,
            date_debut: c.date_debut,
            date_fin: c.date_fin,
            globalisable: c.globalisable,
            objectif,
            heures_objectif: heures(cc.objectif_minutes),
            objectif_explication: cc.objectif_explication.clone(),
            objectif_force: c.objectif_force_minutes.map(|m| Forcage { heures: heures(m.into()), motif: c.motif_forcage.clone() }),
            penalite_par_heure: c.penalite_par_heure_cents.map(euros),
            regles: c.regles.clone(),
            heures_realisees: heures(cc.comptage.realisees),
            heures_retenues: heures(cc.globalisation.retenues),
            heures_retenues_propres: heures(cc.globalisation.retenues_propres),
            heures_recues: heures(cc.globalisation.recues),
            heures_cedees: heures(cc.globalisation.cedees),
            heures_estimees: heures(cc.comptage.estimees),
            heures_non_retenues: (&cc.comptage.non_retenues).into(),
            taux_realisation: cc.avancement.taux_realisation,
            heures_attendues: heures(cc.avancement.attendu),
            part_ecoulee: cc.avancement.part_ecoulee,
            statut_avancement: cc.avancement.statut,
            date_avancement: cc.avancement.date,
            penalites_theoriques: euros(penalites),
        }
    }
}

/// The counting of a clause, line by line (GET /clauses/{id}/comptage).
#[derive(Debug, Serialize, ToSchema)]
pub struct DetailComptage {
    pub clause_id: i64,
    pub date: NaiveDate,
    pub heures_realisees: f64,
    pub heures_retenues_propres: f64,
    pub heures_non_retenues: HeuresNonRetenues,
    /// Minutes per contrat-month with the rule that kept or dropped them.
    pub lignes: Vec<LigneComptee>,
    pub estimations: Vec<Estimation>,
}

/// A contrat working on a clause, as the clause's readers see it: the participant's
/// name and the contract, nothing of the parcours.
#[derive(Debug, Serialize, ToSchema)]
pub struct ContratSurClause {
    pub contrat_id: i64,
    pub participant_nom: String,
    pub participant_prenom: String,
    pub employeur_id: i64,
    pub attributaire_id: i64,
    pub modalite: Modalite,
    pub type_contrat: TypeContrat,
    pub date_debut: NaiveDate,
    pub date_fin: Option<NaiveDate>,
    pub poste: String,
    pub heures_realisees: f64,
    pub heures_retenues: f64,
}

/// A contrat created on a clause (`POST /contrats`).
#[derive(Debug, Serialize, ToSchema)]
pub struct MiseEnEmploi {
    #[serde(flatten)]
    pub contrat: crate::parcours::views::Contrat,
    pub clause_id: i64,
    pub attributaire_id: i64,
    pub modalite: Modalite,
}

impl Totaux {
    /// Sums clauses counted at the same date (hours move between lots by globalisation,
    /// so the sum of retained hours is the same before and after it).
    pub fn de(date: NaiveDate, clauses: &[ClauseComptee]) -> Totaux {
        let (mut o, mut r, mut ret) = (0, 0, 0);
        let mut nr = NonRetenues::default();
        for c in clauses {
            o += c.objectif_minutes;
            r += c.comptage.realisees;
            ret += c.globalisation.retenues;
            nr.add(&c.comptage.non_retenues);
        }
        Totaux {
            date: Some(date),
            clauses: clauses.len(),
            heures_objectif: heures(o),
            heures_realisees: heures(r),
            heures_retenues: heures(ret),
            heures_non_retenues: (&nr).into(),
            taux_realisation: if o > 0 { ret as f64 / o as f64 } else { 0.0 },
        }
    }
}
