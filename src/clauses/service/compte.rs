//! Counting clauses from the database: loads, for a selection of clauses, everything the
//! pure engine needs — the clauses of the same marchés (globalisation), their mises en
//! emploi, contrats, participants' criteria (eligibility at the contrat start) and
//! validated current months in the period — then runs `comptage`.
//!
//! Every query finds the selection's rows by the marché and opération copied on clauses
//! and links (one index range, no id lists whatever the size of the perimeter) and reads
//! only the columns it needs; a fixed number of queries in all. What was loaded is
//! returned (`Chargement`) so that bilans reuse it.

use foldhash::{HashMap, HashMapExt, HashSet};

use chrono::NaiveDate;
use entities::enums::{CodeCritere, Modalite, NiveauFormation, RoleAttribution, Secteur, Sexe, StatutDeclaration, TypeContrat, TypeEntreprise};
use entities::{attributions, clauses, contrats, criteres, entreprises, heures_mensuelles, mises_en_emploi, operations, participants};
use sea_orm::sea_query::{Expr, Query, SelectStatement, SimpleExpr};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, IntoSimpleExpr, JoinType, QueryFilter, QueryOrder, QuerySelect, RelationTrait};

use super::clauses::source_objectif;
use crate::auth::Acteur;
use crate::clauses::views::{est_siae, ClauseComptee};
use crate::comptage::globalisation::Lot;
use crate::comptage::{avancement, compter, globaliser, objectif, ClauseCompte, ContratCompte, MoisDeclare, ReglesComptage, SousTraitance};
use crate::db::paquet::{self, Booleen};
use crate::error::AppResult;
use crate::parcours::eligibilite::{eligibilite, CritereFait};
use crate::parcours::limites::premier_du_mois;
use crate::parcours::service::parametres;

/// Which rows a counting takes: months from `du` (optional) up to `au`, and only the
/// contrats worked for one attributaire when `attributaire` is set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Filtre {
    pub du: Option<NaiveDate>,
    pub au: NaiveDate,
    pub attributaire: Option<i64>,
    /// Explain every contrat-month (clause pages); bilans don't.
    pub expliquer: bool,
}

impl Filtre {
    pub fn au(date: NaiveDate) -> Filtre {
        Filtre { du: None, au: date, attributaire: None, expliquer: true }
    }
}

/// The clauses to count. Every clause of the same marchés is counted beside them
/// (globalisation), so a selection also names its marchés.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selection {
    /// These clauses, in this order (clause pages, a clause's bilan).
    Ids(Vec<i64>),
    /// Every clause of an opération.
    Operation(i64),
    /// Every clause of a marché.
    Marche(i64),
    /// Every clause of a donneur d'ordre's opérations.
    DonneurOrdre(i64),
    /// The clauses of the lots attributed to an entreprise.
    Entreprise(i64),
    /// Every clause of the opérations a facilitateur follows (its portfolio).
    Facilitateur(i64),
    /// Every clause of the structure.
    Structure,
}

impl Selection {
    /// The condition that keeps, in a table carrying the copied `operation_id` and
    /// `marche_id` (clauses, mises en emploi), the rows of the selection's marchés: one
    /// index range for an opération or a marché. None for the whole structure, where the
    /// tenant scope is the whole filter.
    pub fn des_marches<C: ColumnTrait>(&self, acteur: &Acteur, operation: C, marche: C) -> Option<SimpleExpr> {
        let sid = acteur.structure_id;
        Some(match self {
            Selection::Operation(id) => operation.eq(*id),
            Selection::Marche(id) => marche.eq(*id),
            Selection::DonneurOrdre(id) => {
                use operations::Column as O;
                operation.in_subquery(Query::select().column(O::Id).from(operations::Entity).and_where(O::StructureId.eq(sid)).and_where(O::DonneurOrdreId.eq(*id)).to_owned())
            }
            Selection::Facilitateur(id) => {
                use operations::Column as O;
                operation.in_subquery(Query::select().column(O::Id).from(operations::Entity).and_where(O::StructureId.eq(sid)).and_where(O::FacilitateurId.eq(*id)).to_owned())
            }
            Selection::Ids(ids) => {
                use clauses::Column as C;
                marche.in_subquery(Query::select().column(C::MarcheId).from(clauses::Entity).and_where(C::StructureId.eq(sid)).and_where(C::Id.is_in(ids.clone())).to_owned())
            }
            Selection::Entreprise(id) => {
                use attributions::Column as A;
                marche.in_subquery(Query::select().column(A::MarcheId).from(attributions::Entity).and_where(A::StructureId.eq(sid)).and_where(A::EntrepriseId.eq(*id)).to_owned())
            }
            Selection::Structure => return None,
        })
    }

    /// The condition on mises en emploi: the links to a clause of the selection's
    /// marchés, to `attributaire` only if set.
    fn des_liens(&self, acteur: &Acteur, attributaire: Option<i64>) -> Condition {
        use mises_en_emploi::Column as M;
        Condition::all().add_option(self.des_marches(acteur, M::OperationId, M::MarcheId)).add_option(attributaire.map(|a| M::AttributaireId.eq(a)))
    }

    /// The contrats linked to a clause of the selection's marchés (to `attributaire` only
    /// if set), as a subquery.
    pub fn contrats(&self, acteur: &Acteur, attributaire: Option<i64>) -> SelectStatement {
        use mises_en_emploi::Column as M;
        Query::select().column(M::ContratId).from(mises_en_emploi::Entity).cond_where(M::StructureId.eq(acteur.structure_id)).cond_where(self.des_liens(acteur, attributaire)).to_owned()
    }
}

/// A contrat as counting and bilans need it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContratCharge {
    pub id: i64,
    pub participant_id: i64,
    pub employeur_id: i64,
    pub type_contrat: TypeContrat,
    pub date_debut: NaiveDate,
    /// Real end, else planned end.
    pub date_fin: Option<NaiveDate>,
    pub termine: bool,
    pub poste: String,
    pub code_rome: Option<String>,
    /// The participant, as bilans describe the public.
    pub sexe: Sexe,
    pub date_naissance: NaiveDate,
    pub niveau_formation: NiveauFormation,
    pub qpv: bool,
}

/// One link with its contrat and participant (one joined query, packed).
#[derive(Debug, serde::Deserialize)]
struct LigneMise {
    contrat_id: i64,
    clause_id: i64,
    attributaire_id: i64,
    modalite: Modalite,
    participant_id: i64,
    employeur_id: i64,
    type_contrat: TypeContrat,
    date_debut: NaiveDate,
    date_fin_prevue: Option<NaiveDate>,
    date_fin_reelle: Option<NaiveDate>,
    poste: String,
    code_rome: Option<String>,
    sexe: Sexe,
    date_naissance: NaiveDate,
    niveau_formation: NiveauFormation,
    #[serde(deserialize_with = "paquet::booleen")]
    qpv: bool,
}

/// A contrat's link to a clause.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MiseCharge {
    pub contrat_id: i64,
    pub clause_id: i64,
    pub attributaire_id: i64,
    pub modalite: Modalite,
}

/// Everything a counting loaded, for callers that describe the same perimeter.
pub struct Chargement {
    /// The selected clauses, counted, in selection order.
    pub clauses: Vec<ClauseComptee>,
    /// Links of every counted clause's contrats (attributaire filter applied).
    pub mises: Vec<MiseCharge>,
    pub contrats: HashMap<i64, ContratCharge>,
    pub criteres: HashMap<i64, Vec<CritereFait>>,
    /// Kinds of the structure's companies (employers, attributaires, sous-traitants…).
    pub entreprises: HashMap<i64, TypeEntreprise>,
}

/// Counts clauses (already checked readable) as at `date`, in that order.
pub async fn compter_clauses(db: &impl ConnectionTrait, acteur: &Acteur, ids: &[i64], date: NaiveDate) -> AppResult<Vec<ClauseComptee>> {
    Ok(charger(db, acteur, Selection::Ids(ids.to_vec()), Filtre::au(date)).await?.clauses)
}

pub async fn charger(db: &impl ConnectionTrait, acteur: &Acteur, selection: Selection, filtre: Filtre) -> AppResult<Chargement> {
    let date = filtre.au;
    let sid = acteur.structure_id;
    // The five reads are independent: on a pool they run side by side on their own
    // connections (in a transaction, one after the other).
    let (mut toutes, liens, parametres, sous_traitants, entreprises) =
        tokio::try_join!(lire_clauses(db, acteur, &selection), lire_liens(db, acteur, &selection, filtre), parametres(db, sid), lire_sous_traitants(db, acteur), lire_types_entreprises(db, acteur))?;
    toutes.sort_by_key(|c| c.id);
    let Liens { mises, contrats, mut mois_par_contrat, criteres_par_participant } = liens;
    let fenetre = parametres.eligibilite_mois;

    let mut mises_par_clause: HashMap<i64, Vec<&MiseCharge>> = HashMap::new();
    for m in &mises {
        mises_par_clause.entry(m.clause_id).or_default().push(m);
    }
    let eligible: HashMap<i64, bool> = contrats
        .values()
        .map(|c| (c.id, eligibilite(criteres_par_participant.get(&c.participant_id).map(Vec::as_slice).unwrap_or(&[]), c.date_debut, fenetre).eligible))
        .collect();
    let ordre: Vec<i64> = match &selection {
        Selection::Ids(ids) => ids.clone(),
        Selection::Entreprise(id) => {
            let lots: HashSet<i64> = acteur.scoped::<attributions::Entity>().filter(attributions::Column::EntrepriseId.eq(*id)).select_only().column(attributions::Column::LotId).into_tuple::<i64>().all(db).await?.into_iter().collect();
            toutes.iter().filter(|c| lots.contains(&c.lot_id)).map(|c| c.id).collect()
        }
        Selection::Operation(_) | Selection::Marche(_) | Selection::DonneurOrdre(_) | Selection::Facilitateur(_) | Selection::Structure => toutes.iter().map(|c| c.id).collect(),
    };
    let mut comptages = Vec::with_capacity(toutes.len());
    for clause in toutes {
        let objectif = objectif(&source_objectif(&clause), filtre.expliquer);
        let lies: Vec<ContratCompte> = mises_par_clause
            .get(&clause.id)
            .into_iter()
            .flatten()
            .filter_map(|m| {
                let c = contrats.get(&m.contrat_id)?;
                Some(ContratCompte {
                    contrat_id: c.id,
                    participant_id: c.participant_id,
                    type_contrat: c.type_contrat,
                    modalite: m.modalite,
                    date_debut: c.date_debut,
                    eligible: eligible.get(&c.id).copied().unwrap_or(false),
                    mois: mois_par_contrat.remove(&c.id).unwrap_or_default(),
                })
            })
            .collect();
        let employeurs: HashSet<i64> = lies.iter().filter_map(|l| contrats.get(&l.contrat_id).map(|c| c.employeur_id)).collect();
        let st: Vec<SousTraitance> = sous_traitants
            .iter()
            .filter(|(lot, e, _)| *lot == clause.lot_id && entreprises.get(e).is_some_and(|k| est_siae(*k)))
            .map(|(_, e, montant)| SousTraitance { entreprise_id: *e, montant_ht_cents: montant.unwrap_or(0), heures_nommees: employeurs.contains(e) })
            .collect();
        let compte = compter(
            &ClauseCompte { id: clause.id, objectif_minutes: objectif.minutes, date_debut: clause.date_debut, date_fin: clause.date_fin, regles: clause.regles.clone(), expliquer: filtre.expliquer },
            &lies,
            &st,
        );
        comptages.push((clause, objectif, compte));
    }
    let globalisations = globaliser(&comptages.iter().map(|(c, o, compte)| Lot { clause_id: c.id, groupe: c.marche_id, globalisable: c.globalisable, objectif: o.minutes, retenues: compte.retenues }).collect::<Vec<_>>());
    let mut par_id: HashMap<i64, ClauseComptee> = HashMap::with_capacity(comptages.len());
    for ((clause, objectif, comptage), globalisation) in comptages.into_iter().zip(globalisations) {
        let av = avancement(objectif.minutes, globalisation.retenues, clause.date_debut, clause.date_fin, date, &clause.regles.avancement);
        par_id.insert(clause.id, ClauseComptee { marche_id: clause.marche_id, clause, objectif_minutes: objectif.minutes, objectif_explication: objectif.explication, comptage, globalisation, avancement: av });
    }
    let selection_ids: HashSet<i64> = ordre.iter().copied().collect();
    let mises = mises.into_iter().filter(|m| selection_ids.contains(&m.clause_id)).collect();
    Ok(Chargement { clauses: ordre.iter().filter_map(|id| par_id.remove(id)).collect(), mises, contrats, criteres: criteres_par_participant, entreprises })
}

/// Every clause of the selection's marchés (siblings included, for globalisation), with
/// its marché and its opération's sector.
async fn lire_clauses(db: &impl ConnectionTrait, acteur: &Acteur, selection: &Selection) -> AppResult<Vec<ClauseLue>> {
    let mut toutes = acteur.scoped::<clauses::Entity>().join(JoinType::InnerJoin, clauses::Relation::Operation.def());
    if let Some(c) = selection.des_marches(acteur, clauses::Column::OperationId, clauses::Column::MarcheId) {
        toutes = toutes.filter(c);
    }
    use clauses::Column as C;
    let colonnes = [
        C::Id, C::LotId, C::Type, C::ModeObjectif, C::ObjectifMinutes, C::CalculMontantHtCents, C::CalculPartMainOeuvrePpm, C::CalculTauxInsertionPpm, C::CalculCoutHoraireCents,
        C::PourcentageHeuresPpm, C::CentsParHeure, C::ObjectifForceMinutes, C::MotifForcage, C::Globalisable, C::PenaliteParHeureCents, C::DateDebut, C::DateFin,
    ]
    .map(IntoSimpleExpr::into_simple_expr)
    .into_iter()
    .chain([Expr::cust("CAST(\"clauses\".\"regles\" AS TEXT)"), C::HeuresTravailleesMarcheMinutes.into_simple_expr(), C::MontantFactureCents.into_simple_expr()])
    .chain([C::MarcheId.into_simple_expr(), operations::Column::Secteur.into_simple_expr()]);
    Ok(paquet::lignes(db, toutes, colonnes).await?)
}

/// What a clause's links need, read from the database once.
struct Liens {
    mises: Vec<MiseCharge>,
    contrats: HashMap<i64, ContratCharge>,
    mois_par_contrat: HashMap<i64, Vec<MoisDeclare>>,
    criteres_par_participant: HashMap<i64, Vec<CritereFait>>,
}

/// The links of every clause of the selection's marchés (restricted to the attributaire
/// if asked), with their contrats, participants, months and criteria.
async fn lire_liens(db: &impl ConnectionTrait, acteur: &Acteur, selection: &Selection, filtre: Filtre) -> AppResult<Liens> {
    let (sid, date) = (acteur.structure_id, filtre.au);
    // The perimeter's links: to the clauses of those marchés, restricted to the attributaire
    // if asked (for the whole structure the tenant scope is the whole filter); and their
    // contrats as a subquery, for the months and criteria.
    let mises_select = acteur.scoped::<mises_en_emploi::Entity>().filter(selection.des_liens(acteur, filtre.attributaire));
    let perimetre = (*selection != Selection::Structure).then(|| selection.contrats(acteur, filtre.attributaire));
    // Three reads side by side: links with their contrats and participants; the
    // contrats' validated current months in the period; the participants' criteria.
    // (Nesting months and criteria inside each link's row made one query do all the work
    // on one PostgreSQL backend.)
    let colonnes: Vec<SimpleExpr> = [mises_en_emploi::Column::ContratId, mises_en_emploi::Column::ClauseId, mises_en_emploi::Column::AttributaireId, mises_en_emploi::Column::Modalite]
        .map(IntoSimpleExpr::into_simple_expr)
        .into_iter()
        .chain(
            [contrats::Column::ParticipantId, contrats::Column::EmployeurId, contrats::Column::TypeContrat, contrats::Column::DateDebut, contrats::Column::DateFinPrevue, contrats::Column::DateFinReelle, contrats::Column::Poste, contrats::Column::CodeRome]
                .map(IntoSimpleExpr::into_simple_expr),
        )
        .chain([participants::Column::Sexe, participants::Column::DateNaissance, participants::Column::NiveauFormation, participants::Column::Qpv].map(IntoSimpleExpr::into_simple_expr))
        .collect();
    let liens = paquet::lignes::<LigneMise, _>(
        db,
        mises_select
            .join(JoinType::InnerJoin, mises_en_emploi::Relation::Contrat.def())
            .join(JoinType::InnerJoin, contrats::Relation::Participant.def()),
        colonnes,
    );
    let mut mois = Query::select();
    mois.from(heures_mensuelles::Entity)
        .and_where(Expr::col(heures_mensuelles::Column::StructureId).eq(sid))
        .and_where(Expr::col(heures_mensuelles::Column::Courante).eq(true))
        .and_where(Expr::col(heures_mensuelles::Column::Statut).eq(StatutDeclaration::Validee))
        .and_where(Expr::col(heures_mensuelles::Column::Mois).lte(premier_du_mois(date)));
    if let Some(du) = filtre.du {
        mois.and_where(Expr::col(heures_mensuelles::Column::Mois).gte(premier_du_mois(du)));
    }
    let mut criteres = Query::select();
    criteres.from(criteres::Entity).and_where(Expr::col(criteres::Column::StructureId).eq(sid));
    if let Some(contrats) = perimetre {
        criteres.and_where(Expr::col(criteres::Column::ParticipantId).in_subquery(Query::select().column(contrats::Column::ParticipantId).from(contrats::Entity).and_where(Expr::col(contrats::Column::Id).in_subquery(contrats.clone())).to_owned()));
        mois.and_where(Expr::col(heures_mensuelles::Column::ContratId).in_subquery(contrats));
    }
    type MoisLu = (i64, NaiveDate, i64, i64);
    type CritereLu = (i64, i64, CodeCritere, NaiveDate, Booleen, Booleen, Option<NaiveDate>);
    let colonnes_mois = [heures_mensuelles::Column::ContratId, heures_mensuelles::Column::Mois, heures_mensuelles::Column::MinutesTravail, heures_mensuelles::Column::MinutesFormation].map(IntoSimpleExpr::into_simple_expr);
    let colonnes_criteres = [criteres::Column::ParticipantId.into_simple_expr(), criteres::Column::Id.into_simple_expr(), criteres::Column::Code.into_simple_expr(), criteres::Column::DateVerification.into_simple_expr()]
        .into_iter()
        .chain([criteres::Column::VerifieParId.is_not_null(), criteres::Column::RetireAt.is_not_null(), criteres::Column::ValideJusquAu.into_simple_expr()]);
    let (lignes, mois, criteres) = tokio::try_join!(liens, paquet::requete::<MoisLu>(db, mois, colonnes_mois), paquet::requete::<CritereLu>(db, criteres, colonnes_criteres))?;

    let mut mois_par_contrat: HashMap<i64, Vec<MoisDeclare>> = HashMap::with_capacity(lignes.len());
    for (contrat_id, mois, travail, formation) in mois {
        mois_par_contrat.entry(contrat_id).or_default().push(MoisDeclare { mois, travail, formation });
    }
    let mut criteres_par_participant: HashMap<i64, Vec<CritereFait>> = HashMap::new();
    for (pid, id, code, date_verification, verifie, retire, valide_jusqu_au) in criteres {
        criteres_par_participant.entry(pid).or_default().push(CritereFait { id, code, date_verification, verifie: verifie.0, retire: retire.0, valide_jusqu_au });
    }
    let mut mises = Vec::with_capacity(lignes.len());
    let mut contrats: HashMap<i64, ContratCharge> = HashMap::with_capacity(lignes.len());
    for l in lignes {
        mises.push(MiseCharge { contrat_id: l.contrat_id, clause_id: l.clause_id, attributaire_id: l.attributaire_id, modalite: l.modalite });
        contrats.entry(l.contrat_id).or_insert(ContratCharge {
            id: l.contrat_id,
            participant_id: l.participant_id,
            employeur_id: l.employeur_id,
            type_contrat: l.type_contrat,
            date_debut: l.date_debut,
            date_fin: l.date_fin_reelle.or(l.date_fin_prevue),
            termine: l.date_fin_reelle.is_some(),
            poste: l.poste,
            code_rome: l.code_rome,
            sexe: l.sexe,
            date_naissance: l.date_naissance,
            niveau_formation: l.niveau_formation,
            qpv: l.qpv,
        });
    }
    Ok(Liens { mises, contrats, mois_par_contrat, criteres_par_participant })
}

/// The structure's sous-traitants (rule 6): lot, entreprise, amount. All of them, by the
/// (structure, role) index, whatever the perimeter: they are few, and the lots of an
/// opération's clauses were ~550 index lookups (1 ms on PostgreSQL) to find none. Each
/// clause takes those of its lot.
async fn lire_sous_traitants(db: &impl ConnectionTrait, acteur: &Acteur) -> AppResult<Vec<(i64, i64, Option<i64>)>> {
    let sous_traitants = acteur.scoped::<attributions::Entity>().filter(attributions::Column::Role.eq(RoleAttribution::Soustraitant));
    let colonnes = [attributions::Column::LotId, attributions::Column::EntrepriseId, attributions::Column::MontantHtCents].map(IntoSimpleExpr::into_simple_expr);
    Ok(paquet::lignes(db, sous_traitants, colonnes).await?)
}

/// The kind of every company of the structure (employers, attributaires, sous-traitants):
/// one index range of a few thousand rows at most, where joining each link to its
/// employer and attributaire was two index lookups per link (on PostgreSQL half of the
/// links read: 2.3 → 1.0 ms for the largest opération).
async fn lire_types_entreprises(db: &impl ConnectionTrait, acteur: &Acteur) -> AppResult<HashMap<i64, TypeEntreprise>> {
    let colonnes = [entreprises::Column::Id, entreprises::Column::Type].map(IntoSimpleExpr::into_simple_expr);
    Ok(paquet::lignes::<(i64, TypeEntreprise), _>(db, acteur.scoped::<entreprises::Entity>(), colonnes).await?.into_iter().collect())
}

/// A clause as counting reads it, with its lot's marché (one join), read packed
/// (`db::paquet`): the fields in the order of the columns `charger` asks for. The
/// timestamps are left out.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
pub struct ClauseLue {
    pub id: i64,
    pub lot_id: i64,
    pub r#type: entities::enums::TypeClause,
    pub mode_objectif: entities::enums::ModeObjectif,
    pub objectif_minutes: Option<i32>,
    pub calcul_montant_ht_cents: Option<i64>,
    pub calcul_part_main_oeuvre_ppm: Option<i32>,
    pub calcul_taux_insertion_ppm: Option<i32>,
    pub calcul_cout_horaire_cents: Option<i64>,
    pub pourcentage_heures_ppm: Option<i32>,
    pub cents_par_heure: Option<i64>,
    pub objectif_force_minutes: Option<i32>,
    pub motif_forcage: Option<String>,
    #[serde(deserialize_with = "paquet::booleen")]
    pub globalisable: bool,
    pub penalite_par_heure_cents: Option<i64>,
    pub date_debut: NaiveDate,
    pub date_fin: NaiveDate,
    /// Stored as JSON text; read once here.
    #[serde(deserialize_with = "regles_texte")]
    pub regles: ReglesComptage,
    pub heures_travaillees_marche_minutes: Option<i64>,
    pub montant_facture_cents: Option<i64>,
    pub marche_id: i64,
    /// The opération's sector (bilans' breakdown).
    pub secteur: Secteur,
}

fn regles_texte<'de, D: serde::Deserializer<'de>>(d: D) -> Result<ReglesComptage, D::Error> {
    let texte = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(d)?;
    Ok(ReglesComptage::from_texte(&texte))
}

/// The clauses of an opération (or of a marché), by id.
pub async fn clauses_de(db: &impl ConnectionTrait, acteur: &Acteur, operation_id: Option<i64>, marche_id: Option<i64>) -> AppResult<Vec<i64>> {
    let mut select = acteur.scoped::<clauses::Entity>();
    if let Some(m) = marche_id {
        select = select.filter(clauses::Column::MarcheId.eq(m));
    }
    if let Some(o) = operation_id {
        select = select.filter(clauses::Column::OperationId.eq(o));
    }
    Ok(select.select_only().column(clauses::Column::Id).order_by_asc(clauses::Column::Id).into_tuple().all(db).await?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::sea_query::SqliteQueryBuilder;

    #[test]
    fn perimeters_filter_links_by_their_copied_keys() {
        let a = Acteur::systeme(7);
        let sql = |s: Selection, attributaire| s.contrats(&a, attributaire).to_string(SqliteQueryBuilder);
        assert_eq!(sql(Selection::Structure, None), r#"SELECT "contrat_id" FROM "mises_en_emploi" WHERE "mises_en_emploi"."structure_id" = 7"#);
        assert_eq!(sql(Selection::Operation(3), None), r#"SELECT "contrat_id" FROM "mises_en_emploi" WHERE "mises_en_emploi"."structure_id" = 7 AND "mises_en_emploi"."operation_id" = 3"#);
        assert_eq!(
            sql(Selection::Entreprise(5), Some(5)),
            r#"SELECT "contrat_id" FROM "mises_en_emploi" WHERE "mises_en_emploi"."structure_id" = 7 AND "mises_en_emploi"."marche_id" IN (SELECT "marche_id" FROM "attributions" WHERE "attributions"."structure_id" = 7 AND "attributions"."entreprise_id" = 5) AND "mises_en_emploi"."attributaire_id" = 5"#
        );
    }
}
