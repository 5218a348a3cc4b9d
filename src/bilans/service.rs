//! `bilans::service`: the bilan of a perimeter (opération, marché, clause, donneur
//! d'ordre, entreprise, structure) over whole months, with every breakdown of
//! domain.md §5. The hours come from the same counting as the clauses
//! (`clauses::service::compte`), so a bilan and a clause never disagree.

use std::collections::BTreeMap;

use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};

use chrono::{Datelike, NaiveDate};
use entities::enums::{NiveauFormation, Role, Secteur, Sexe, SituationSuivi};
use entities::suivis_six_mois;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};

use super::model::*;
use crate::auth::Acteur;
use crate::clauses::service::compte::{self, ContratCharge, Filtre, MiseCharge, Selection};
use crate::clauses::service::{clauses as clause_service, get_donneur_ordre, get_entreprise, marches as marche_service, operations as operation_service};
use crate::clauses::views::{est_siae, HeuresNonRetenues};
use crate::comptage::{mul_div_round, NonRetenues};
use crate::error::{AppError, AppResult, FieldError};
use crate::parcours::forms::age_at;
use crate::parcours::limites::heures;
use crate::text::code;

/// What a bilan is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cible {
    Operation(i64),
    Marche(i64),
    Clause(i64),
    DonneurOrdre(i64),
    Entreprise(i64),
    /// The opérations a facilitateur follows (its user id).
    Portefeuille(i64),
    Structure,
}

/// Whole months: `du` a first day, `au` a last day; both optional (all time).
pub fn periode(du: Option<NaiveDate>, au: Option<NaiveDate>) -> AppResult<Periode> {
    let mut errors = Vec::new();
    if du.is_some_and(|d| d.day() != 1) {
        errors.push(FieldError::new("du", "Un bilan porte sur des mois entiers : « du » doit être un premier du mois."));
    }
    if au.is_some_and(|d| d.checked_add_days(chrono::Days::new(1)).is_some_and(|n| n.day() != 1)) {
        errors.push(FieldError::new("au", "Un bilan porte sur des mois entiers : « au » doit être un dernier jour du mois."));
    }
    if let (Some(a), Some(b)) = (du, au) {
        if b < a {
            errors.push(FieldError::new("au", "La fin de la période précède son début."));
        }
    }
    if errors.is_empty() { Ok(Periode { du, au }) } else { Err(AppError::Invalid(errors)) }
}

/// Who may read which bilan: gestion roles every perimeter of their structure; a
/// donneur d'ordre its own opérations, marchés, clauses and itself (masked); an
/// entreprise its own entreprise bilan.
fn autoriser(acteur: &Acteur, cible: Cible) -> AppResult<()> {
    match (acteur.role, cible) {
        (Role::Admin | Role::Facilitateur, _) => Ok(()),
        (Role::DonneurOrdre, Cible::Operation(_) | Cible::Marche(_) | Cible::Clause(_)) => Ok(()),
        (Role::DonneurOrdre, Cible::DonneurOrdre(id)) if acteur.donneur_ordre_id == Some(id) => Ok(()),
        (Role::Entreprise, Cible::Entreprise(id)) if acteur.entreprise_id == Some(id) => Ok(()),
        (Role::DonneurOrdre, Cible::DonneurOrdre(_)) | (Role::Entreprise, Cible::Entreprise(_)) => Err(AppError::NotFound),
        _ => Err(AppError::Forbidden),
    }
}

/// The perimeter's clauses and the attributaire filter.
fn selection(cible: Cible) -> (Selection, Option<i64>) {
    match cible {
        Cible::Operation(id) => (Selection::Operation(id), None),
        Cible::Marche(id) => (Selection::Marche(id), None),
        Cible::Clause(id) => (Selection::Ids(vec![id]), None),
        Cible::DonneurOrdre(id) => (Selection::DonneurOrdre(id), None),
        Cible::Entreprise(id) => (Selection::Entreprise(id), Some(id)),
        Cible::Portefeuille(id) => (Selection::Facilitateur(id), None),
        Cible::Structure => (Selection::Structure, None),
    }
}

/// The perimeter's name; not found when the caller may not read it.
async fn perimetre(db: &impl ConnectionTrait, acteur: &Acteur, cible: Cible) -> AppResult<Perimetre> {
    let p = |t: &str, id: i64, nom: String| Perimetre { type_: t.into(), id: Some(id), nom };
    Ok(match cible {
        Cible::Operation(id) => p("operation", id, operation_service::get_operation(db, acteur, id).await?.nom),
        Cible::Marche(id) => {
            let (m, _) = marche_service::get_marche(db, acteur, id).await?;
            p("marche", id, format!("{} – {}", m.numero, m.objet))
        }
        Cible::Clause(id) => {
            clause_service::get_clause(db, acteur, id).await?;
            p("clause", id, format!("Clause n° {id}"))
        }
        Cible::DonneurOrdre(id) => p("donneur_ordre", id, get_donneur_ordre(db, acteur, id).await?.nom),
        Cible::Entreprise(id) => p("entreprise", id, get_entreprise(db, acteur, id).await?.raison_sociale),
        Cible::Portefeuille(id) => {
            let nom = crate::auth::service::noms_utilisateurs(db, acteur, vec![id]).await?.remove(&id).ok_or(AppError::NotFound)?;
            p("portefeuille", id, format!("Portefeuille de {nom}"))
        }
        Cible::Structure => {
            let s = entities::structures::Entity::find_by_id(acteur.structure_id).one(db).await?.ok_or(AppError::NotFound)?;
            p("structure", s.id, s.nom)
        }
    })
}

/// The situation six months after each contrat of the perimeter's marchés that has one.
async fn suivis(db: &impl ConnectionTrait, acteur: &Acteur, selection: &Selection) -> AppResult<HashMap<i64, Option<SituationSuivi>>> {
    // For the whole structure the tenant scope is the whole filter (see compte::charger).
    let mut suivis = acteur.scoped::<suivis_six_mois::Entity>();
    if *selection != Selection::Structure {
        suivis = suivis.filter(suivis_six_mois::Column::ContratId.in_subquery(selection.contrats(acteur, None)));
    }
    Ok(suivis.select_only().columns([suivis_six_mois::Column::ContratId, suivis_six_mois::Column::Situation]).into_tuple().all(db).await?.into_iter().collect())
}

/// Far enough to mean "all time" for rows and contrats.
fn fin_des_temps() -> NaiveDate {
    NaiveDate::from_ymd_opt(2999, 12, 31).unwrap_or(NaiveDate::MAX)
}

pub async fn bilan(db: &impl ConnectionTrait, acteur: &Acteur, cible: Cible, periode: Periode) -> AppResult<Bilan> {
    autoriser(acteur, cible)?;
    let (selection, attributaire) = selection(cible);
    let au = periode.au.unwrap_or_else(fin_des_temps);
    let du = periode.du.unwrap_or(NaiveDate::MIN);
    // The perimeter's name (which also says whether the caller may read it), the counting
    // and the six-month follow-ups are independent reads: side by side on a pool.
    let (perimetre, ch, suivis) = tokio::try_join!(
        perimetre(db, acteur, cible),
        compte::charger(db, acteur, selection.clone(), Filtre { du: periode.du, au, attributaire, expliquer: false }),
        suivis(db, acteur, &selection)
    )?;

    // Totals.
    let (mut objectif, mut realisees, mut retenues, mut estimees, mut penalites) = (0i64, 0i64, 0i64, 0i64, 0i64);
    let mut non_retenues = NonRetenues::default();
    let mut par_contrat: HashMap<i64, (i64, i64)> = HashMap::new();
    let mut par_mois: BTreeMap<&str, (i64, i64)> = BTreeMap::new();
    for c in &ch.clauses {
        objectif += c.objectif_minutes;
        realisees += c.comptage.realisees;
        retenues += c.globalisation.retenues;
        estimees += c.comptage.estimees;
        non_retenues.add(&c.comptage.non_retenues);
        if let Some(p) = c.clause.penalite_par_heure_cents {
            penalites += mul_div_round((c.objectif_minutes - c.globalisation.retenues).max(0), p, 60);
        }
        for t in &c.comptage.par_contrat {
            let e = par_contrat.entry(t.contrat_id).or_default();
            e.0 += t.realisees;
            e.1 += t.retenues;
        }
        for m in &c.comptage.par_mois {
            let e = par_mois.entry(m.mois.as_str()).or_default();
            e.0 += m.realisees;
            e.1 += m.retenues;
        }
    }

    // The perimeter's contrats overlapping the period, and what describes them.
    let dans_periode = |c: &ContratCharge| c.date_debut <= au && c.date_fin.is_none_or(|f| f >= du);
    let mises: Vec<&MiseCharge> = ch.mises.iter().filter(|m| ch.contrats.get(&m.contrat_id).is_some_and(dans_periode)).collect();
    let secteurs: HashMap<i64, Secteur> = ch.clauses.iter().map(|c| (c.clause.id, c.clause.secteur)).collect();

    // Breakdowns: each contrat once per key, each participant once per key. Keys stay
    // typed while rows are added and are named once per table at the end.
    let (mut par_type, mut par_modalite, mut par_employeur, mut par_niveau, mut par_metier, mut par_secteur) =
        (Table::default(), Table::default(), Table::default(), Table::default(), Table::default(), Table::default());
    let mut premier_contrat: HashMap<i64, &ContratCharge> = HashMap::new();
    for m in &mises {
        let Some(c) = ch.contrats.get(&m.contrat_id) else { continue };
        let (r, ret) = par_contrat.get(&c.id).copied().unwrap_or((0, 0));
        let ligne = (c.id, c.participant_id, r, ret);
        par_type.add(c.type_contrat, ligne);
        par_modalite.add(m.modalite, ligne);
        par_employeur.add(ch.entreprises.get(&c.employeur_id).copied(), ligne);
        par_niveau.add(c.niveau_formation, ligne);
        par_metier.add(c.code_rome.as_deref().unwrap_or(&c.poste), ligne);
        par_secteur.add(secteurs.get(&m.clause_id).copied(), ligne);
        let first = premier_contrat.entry(c.participant_id).or_insert(c);
        if (c.date_debut, c.id) < (first.date_debut, first.id) {
            *first = c;
        }
    }
    let mut public: BTreeMap<String, HashSet<i64>> = BTreeMap::new();
    for key in ["femmes", "hommes", "moins_26", "de_26_a_49", "plus_50", "qpv", "niveau_infra4"] {
        public.insert(key.into(), HashSet::new());
    }
    for (pid, c) in &premier_contrat {
        let (sexe, naissance, niveau, qpv) = (&c.sexe, &c.date_naissance, &c.niveau_formation, &c.qpv);
        let mut put = |k: &str| {
            public.entry(k.to_string()).or_default().insert(*pid);
        };
        put(if *sexe == Sexe::F { "femmes" } else { "hommes" });
        let age = age_at(*naissance, c.date_debut);
        put(if age < 26 { "moins_26" } else if age < 50 { "de_26_a_49" } else { "plus_50" });
        if *qpv {
            put("qpv");
        }
        if matches!(niveau, NiveauFormation::Infra3 | NiveauFormation::N3) {
            put("niveau_infra4");
        }
        // Criterion codes; `qpv` the criterion (jobseeker living in a QPV) is not the
        // residence flag above, so it gets its own key.
        let codes: HashSet<String> = ch.criteres.get(pid).into_iter().flatten().filter(|c| !c.retire).map(|c| code(c.code)).collect();
        for code in codes {
            put(if code == "qpv" { "critere_qpv" } else { &code });
        }
    }
    let mut situation: BTreeMap<String, HashSet<i64>> = BTreeMap::new();
    for m in &mises {
        let Some(c) = ch.contrats.get(&m.contrat_id).filter(|c| c.termine) else { continue };
        let s = suivis.get(&c.id).copied().flatten().map(code).unwrap_or_else(|| "inconnu".into());
        situation.entry(s).or_default().insert(c.participant_id);
    }

    let entreprises: HashSet<i64> = mises.iter().flat_map(|m| [m.attributaire_id, ch.contrats.get(&m.contrat_id).map_or(m.attributaire_id, |c| c.employeur_id)]).collect();
    let siae = entreprises.iter().filter(|id| ch.entreprises.get(id).is_some_and(|k| est_siae(*k))).count();
    let contrats: HashSet<i64> = mises.iter().map(|m| m.contrat_id).collect();
    let progression = progression(&ch.clauses, &par_mois, &periode);
    let mut bilan = Bilan {
        perimetre,
        periode,
        progression,
        heures_objectif: heures(objectif),
        heures_realisees: heures(realisees),
        heures_retenues: heures(retenues),
        taux_realisation: if objectif > 0 { retenues as f64 / objectif as f64 } else { 0.0 },
        ecart: heures((objectif - retenues).max(0)),
        penalites_theoriques: penalites as f64 / 100.0,
        heures_non_retenues: HeuresNonRetenues::from(&non_retenues),
        heures_estimees: heures(estimees),
        clauses: ch.clauses.len() as u64,
        participants: Compte::new(premier_contrat.len() as u64),
        contrats: Compte::new(contrats.len() as u64),
        entreprises: entreprises.len() as u64,
        siae: siae as u64,
        par_type_contrat: par_type.nommer(|k| code(*k)),
        par_modalite: par_modalite.nommer(|k| code(*k)),
        par_type_employeur: par_employeur.nommer(|k| k.map(code).unwrap_or_default()),
        par_niveau: par_niveau.nommer(|k| code(*k)),
        par_metier: par_metier.nommer(|k| k.to_string()),
        par_secteur: par_secteur.nommer(|k| k.map(code).unwrap_or_default()),
        par_public: public.into_iter().map(|(k, v)| (k, Compte::new(v.len() as u64))).collect(),
        situation_6_mois: situation.into_iter().map(|(k, v)| (k, Compte::new(v.len() as u64))).collect(),
        par_mois: par_mois.into_iter().map(|(mois, (r, ret))| MoisBilan { mois: mois.to_string(), heures_realisees: heures(r), heures_retenues: heures(ret) }).collect(),
    };
    if acteur.role == Role::DonneurOrdre {
        bilan.masquer();
    }
    Ok(bilan)
}

/// Month by month over the period (every month, with hours or not): the retained hours
/// cumulated since the period's start and the hours the perimeter's clauses expected by
/// the month's end at a steady pace (their objectives spread over their days, counted from
/// the period's start). From the period's first month — or the first clause's start, or
/// the first month with hours — to its last — or the last month with hours —, at most 240
/// months.
fn progression(clauses: &[crate::clauses::views::ClauseComptee], par_mois: &BTreeMap<&str, (i64, i64)>, periode: &Periode) -> Vec<Progression> {
    use crate::parcours::limites::{format_mois, parse_mois, premier_du_mois};
    let premier_avec_heures = par_mois.keys().next().and_then(|m| parse_mois(m));
    let dernier_avec_heures = par_mois.keys().next_back().and_then(|m| parse_mois(m));
    let debut = periode.du.or_else(|| clauses.iter().map(|c| c.clause.date_debut).chain(premier_avec_heures).min());
    let fin = periode.au.or(dernier_avec_heures);
    let (Some(debut), Some(fin)) = (debut, fin) else { return Vec::new() };
    let veille = periode.du.and_then(|d| d.pred_opt());
    let attendu_au = |date: NaiveDate| -> i64 {
        clauses.iter().map(|c| {
            let a = |d: NaiveDate| crate::comptage::avancement::avancement(c.objectif_minutes, 0, c.clause.date_debut, c.clause.date_fin, d, &c.clause.regles.avancement).attendu;
            a(date) - veille.map_or(0, a)
        }).sum()
    };
    let mut lignes = Vec::new();
    let mut cumul = 0;
    let mut d = premier_du_mois(debut);
    while d <= fin && lignes.len() < 240 {
        let mois = format_mois(d);
        cumul += par_mois.get(mois.as_str()).map_or(0, |m| m.1);
        let fin_mois = (d + chrono::Months::new(1)).pred_opt().unwrap_or(d);
        lignes.push(Progression { mois, heures_retenues_cumulees: heures(cumul), heures_attendues_cumulees: heures(attendu_au(fin_mois)) });
        d = d + chrono::Months::new(1);
    }
    lignes
}

/// One breakdown being filled: per key, its distinct contrats and participants and
/// their hours (each contrat's hours once per key).
struct Table<K>(HashMap<K, (HashSet<i64>, HashSet<i64>, i64, i64)>);

impl<K> Default for Table<K> {
    fn default() -> Self {
        Table(HashMap::new())
    }
}

impl<K: Eq + std::hash::Hash> Table<K> {
    /// Adds a contrat (id, participant, réalisées, retenues) under `key`.
    fn add(&mut self, key: K, (contrat, participant, realisees, retenues): (i64, i64, i64, i64)) {
        let cell = self.0.entry(key).or_default();
        if cell.0.insert(contrat) {
            cell.2 += realisees;
            cell.3 += retenues;
        }
        cell.1.insert(participant);
    }

    /// The table with its keys named; keys that name the same are merged.
    fn nommer(self, nom: impl Fn(&K) -> String) -> BTreeMap<String, Ventilation> {
        let mut nommee: BTreeMap<String, (HashSet<i64>, HashSet<i64>, i64, i64)> = BTreeMap::new();
        for (k, (c, p, r, ret)) in self.0 {
            let cell = nommee.entry(nom(&k)).or_default();
            cell.0.extend(c);
            cell.1.extend(p);
            cell.2 += r;
            cell.3 += ret;
        }
        nommee
            .into_iter()
            .map(|(k, (c, p, r, ret))| (k, Ventilation { contrats: Compte::new(c.len() as u64), participants: Compte::new(p.len() as u64), heures_realisees: Some(heures(r)), heures_retenues: Some(heures(ret)) }))
            .collect()
    }
}
