//! A marché's tree read into the fields Clausier keeps, tolerantly: what can be read is
//! kept, the rest is reported (the import's report gives the marché's line).
//!
//! Real files are messy: amounts as `123456.89`, `1 234,56` or `575000 €`; `dureeMois`
//! as `NC`; dates with a time zone (`2024-05-15+01:00`); lists with or without their
//! wrapper; titulaires identified by something else than a SIRET. v1 files name the
//! acheteur (`nom`) and the titulaires (`denominationSociale`); v2 files give only ids.

use chrono::NaiveDate;
use entities::enums::{NatureMarche, Secteur, TypeDonneurOrdre};

use super::arbre::Noeud;
use crate::clauses::siret::Identifiant;

/// A company or a buyer as the file identifies it.
#[derive(Debug, Clone, PartialEq)]
pub struct Organisme {
    /// A SIRET, or for a foreign company the identifier the file gives with its kind.
    pub identifiant: Identifiant,
    pub nom: Option<String>,
}

/// One modification of the marché (kept as a version).
#[derive(Debug, Clone, PartialEq)]
pub struct Modification {
    pub numero: i32,
    /// `datePublicationDonneesModification`.
    pub publication: Option<NaiveDate>,
    pub montant_cents: Option<i64>,
    pub duree_mois: Option<i32>,
    pub titulaires: Vec<Organisme>,
    pub donnees: serde_json::Value,
}

/// A marché as Clausier keeps it.
#[derive(Debug, Clone, PartialEq)]
pub struct MarcheDecp {
    pub id: String,
    pub acheteur: Organisme,
    pub objet: String,
    pub code_cpv: Option<String>,
    pub procedure: Option<String>,
    pub montant_cents: i64,
    pub duree_mois: Option<i32>,
    pub date_notification: Option<NaiveDate>,
    pub lieu: Option<String>,
    pub considerations_sociales: Vec<String>,
    pub titulaires: Vec<Organisme>,
    /// Each sous-traitant with the amount sous-traité.
    pub sous_traitants: Vec<(Organisme, Option<i64>)>,
    pub modifications: Vec<Modification>,
    /// `nature` as published (« Marché », « Accord-cadre »…).
    pub nature_decp: Option<String>,
    /// v2 `typeGroupementOperateurs` (« Conjoint », « Solidaire », « Pas de groupement »).
    pub groupement: Option<String>,
    /// `datePublicationDonnees`.
    pub publication: Option<NaiveDate>,
    /// The whole marché as read (version 0).
    pub donnees: serde_json::Value,
}

impl MarcheDecp {
    /// The DECP key: acheteur id + marché id.
    pub fn uid(&self) -> String {
        format!("{}{}", self.acheteur.identifiant, self.id)
    }

    /// The latest publication date of this record's data (its own, or a modification's).
    pub fn publie_le(&self) -> Option<NaiveDate> {
        self.modifications.iter().filter_map(|m| m.publication).chain(self.publication).max()
    }

    /// The role of the titulaire at `rang` in the marché as notified: several titulaires
    /// are a group (the first its mandataire, the others cotraitants) unless the file says
    /// there is no group (`typeGroupementOperateurs`) or, in v1 which does not say, the
    /// marché is an accord-cadre (several attributaires, each a titulaire).
    pub fn role_titulaire(&self, rang: usize) -> entities::enums::RoleAttribution {
        use entities::enums::RoleAttribution::*;
        let sans_groupement = match &self.groupement {
            Some(g) => g.to_lowercase().starts_with("pas"),
            None => self.nature_decp.as_deref().is_some_and(|n| n.to_lowercase().replace(['-', ' '], "").contains("accordcadre")),
        };
        if rang == 0 || sans_groupement { Titulaire } else { Cotraitant }
    }

    /// A candidate for follow-up: a social consideration (clause sociale, critère
    /// social, marché réservé), whatever its exact wording.
    pub fn a_une_clause_sociale(&self) -> bool {
        self.considerations_sociales.iter().any(|c| {
            let c = c.to_lowercase();
            !c.starts_with("pas de") && (c.contains("social") || c.contains("réservé") || c.contains("reserve"))
        })
    }

    /// Works (CPV division 45), supplies (03–44, 48) or services (the rest).
    pub fn nature(&self) -> NatureMarche {
        match self.code_cpv.as_deref().and_then(|c| c.get(..2)).and_then(|d| d.parse::<u32>().ok()) {
            Some(45) => NatureMarche::Travaux,
            Some(d) if d < 45 || d == 48 => NatureMarche::Fournitures,
            _ => NatureMarche::Services,
        }
    }

    pub fn secteur(&self) -> Secteur {
        if self.nature() == NatureMarche::Travaux { Secteur::Btp } else { Secteur::HorsBtp }
    }

    /// The amount, duration and titulaires in force: the last modification's where it
    /// changed them.
    pub fn en_vigueur(&self) -> (i64, Option<i32>) {
        let mut montant = self.montant_cents;
        let mut duree = self.duree_mois;
        let mut modifications: Vec<&Modification> = self.modifications.iter().collect();
        modifications.sort_by_key(|m| m.numero);
        for m in modifications {
            montant = m.montant_cents.unwrap_or(montant);
            duree = m.duree_mois.or(duree);
        }
        (montant, duree)
    }

    /// Execution: from the notification, for the duration in force (unknown: one day,
    /// reported).
    pub fn execution(&self) -> Option<(NaiveDate, NaiveDate)> {
        let debut = self.date_notification?;
        let fin = match self.en_vigueur().1 {
            Some(mois) if mois > 0 => debut.checked_add_months(chrono::Months::new(mois as u32)).and_then(|d| d.pred_opt()).unwrap_or(debut),
            _ => debut,
        };
        Some((debut, fin))
    }
}

/// The buyer's kind from its SIREN, by the numbering of public bodies (1 = État; 21
/// communes, 22 départements, 23 régions, 24–25 groupements, 26–28 établissements
/// publics); other buyers are taken as private, to be corrected by hand.
pub fn type_acheteur(siret: &str) -> TypeDonneurOrdre {
    let s = siret;
    match (s.get(..1), s.get(..2)) {
        (Some("1"), _) => TypeDonneurOrdre::Etat,
        (_, Some("21")) => TypeDonneurOrdre::Commune,
        (_, Some("22")) => TypeDonneurOrdre::Departement,
        (_, Some("23")) => TypeDonneurOrdre::Region,
        (_, Some("24" | "25")) => TypeDonneurOrdre::Epci,
        (_, Some("26" | "27" | "28")) => TypeDonneurOrdre::EtablissementPublic,
        _ => TypeDonneurOrdre::Prive,
    }
}

/// Reads a marché; `Err` when it cannot be kept at all (no id, no acheteur), with the
/// reasons. `problemes` gets what was left out.
pub fn lire(n: &Noeud, problemes: &mut Vec<String>) -> Result<MarcheDecp, String> {
    let id = n.texte_de("id").ok_or("marché sans identifiant (id) : ignoré")?.to_string();
    if est_concession(n) {
        return Err(format!("contrat de concession {id} : ce n'est pas un marché, non importé"));
    }
    let qui = format!("marché {id}");
    let acheteur_noeud = n.enfant("acheteur").ok_or(format!("{qui} ignoré : pas d'acheteur"))?;
    let acheteur = organisme(acheteur_noeud, "nom", true).map_err(|e| format!("{qui} ignoré : acheteur {e}"))?;
    let mut montant_cents = 0;
    match n.texte_de("montant") {
        Some(m) => match montant_signale(m, &format!("{qui} : montant"), problemes) {
            Some(c) => montant_cents = c,
            None => problemes.push(format!("{qui} : montant illisible « {} », compté 0 €", extrait(m))),
        },
        None => problemes.push(format!("{qui} : pas de montant, compté 0 €")),
    }
    let duree_mois = match n.texte_de("dureeMois") {
        Some(d) => match duree(d, &format!("{qui} : durée"), problemes) {
            Some(v) => Some(v),
            None => {
                problemes.push(format!("{qui} : durée « {} » illisible, fin d'exécution à renseigner", extrait(d)));
                None
            }
        },
        None => None,
    };
    let date_notification = n.texte_de("dateNotification").and_then(date).or_else(|| n.texte_de("datePublicationDonnees").and_then(date));
    if date_notification.is_none() {
        problemes.push(format!("{qui} ignoré : pas de date de notification lisible"));
    }
    let mut titulaires = Vec::new();
    for t in n.elements("titulaires", "titulaire") {
        match organisme(t, "denominationSociale", false) {
            Ok(o) => titulaires.push(o),
            Err(e) => problemes.push(format!("{qui} : titulaire ignoré — {e}")),
        }
    }
    let mut sous_traitants = Vec::new();
    for a in n.elements("actesSousTraitance", "acteSousTraitance") {
        let Some(st) = a.enfant("sousTraitant") else { continue };
        match organisme(st, "denominationSociale", false) {
            Ok(o) if titulaires.iter().any(|t| t.identifiant == o.identifiant) => problemes.push(format!("{qui} : sous-traitant {} déjà titulaire du marché, gardé comme titulaire", o.identifiant)),
            Ok(o) => sous_traitants.push((o, a.texte_de("montant").and_then(|m| montant_signale(m, &format!("{qui} : montant sous-traité"), problemes)))),
            Err(e) => problemes.push(format!("{qui} : sous-traitant ignoré — {e}")),
        }
    }
    let mut modifications = Vec::new();
    for (i, m) in n.elements("modifications", "modification").into_iter().enumerate() {
        let numero = m.texte_de("id").and_then(|v| v.parse::<i32>().ok()).unwrap_or(i as i32 + 1);
        let quoi = format!("{qui}, modification {numero}");
        if modifications.iter().any(|md: &Modification| md.numero == numero) {
            problemes.push(format!("{quoi} publiée deux fois : la première est gardée"));
            continue;
        }
        let mut titulaires = Vec::new();
        for t in m.elements("titulaires", "titulaire") {
            match organisme(t, "denominationSociale", false) {
                Ok(o) => titulaires.push(o),
                Err(e) => problemes.push(format!("{quoi} : titulaire ignoré — {e}")),
            }
        }
        let montant_cents = m.texte_de("montant").and_then(|v| {
            let lu = montant_signale(v, &format!("{quoi} : montant"), problemes);
            if lu.is_none() {
                problemes.push(format!("{quoi} : montant illisible « {} », ignoré", extrait(v)));
            }
            lu
        });
        let duree_mois = m.texte_de("dureeMois").and_then(|v| {
            let lu = duree(v, &format!("{quoi} : durée"), problemes);
            if lu.is_none() {
                problemes.push(format!("{quoi} : durée illisible « {} », ignorée", extrait(v)));
            }
            lu
        });
        modifications.push(Modification {
            numero,
            publication: m.texte_de("datePublicationDonneesModification").and_then(date),
            montant_cents,
            duree_mois,
            titulaires,
            donnees: en_json(m),
        });
    }
    let code_cpv = n.texte_de("codeCPV").map(|c| cpv(c, &qui, problemes));
    let marche = MarcheDecp {
        objet: n.texte_de("objet").unwrap_or("(objet non renseigné)").to_string(),
        code_cpv,
        procedure: n.texte_de("procedure").map(str::to_string),
        montant_cents,
        duree_mois,
        date_notification,
        lieu: n.enfant("lieuExecution").and_then(|l| l.texte_de("nom").or_else(|| l.texte_de("code"))).map(str::to_string),
        considerations_sociales: n.elements("considerationsSociales", "considerationSociale").iter().map(|c| c.texte.trim().to_string()).filter(|c| !c.is_empty()).collect(),
        titulaires,
        sous_traitants,
        modifications,
        nature_decp: n.texte_de("nature").map(str::to_string),
        groupement: n.texte_de("typeGroupementOperateurs").map(str::to_string),
        publication: n.texte_de("datePublicationDonnees").and_then(date),
        donnees: en_json(n),
        id,
        acheteur,
    };
    if marche.date_notification.is_none() {
        return Err(problemes.pop().unwrap_or_default());
    }
    Ok(marche)
}

/// A concession contract (v1 `_type`, an `autoriteConcedante`, concessionnaires): not a
/// marché, never a clause's support here.
fn est_concession(n: &Noeud) -> bool {
    n.texte_de("_type").is_some_and(|t| t.to_lowercase().contains("concession")) || n.enfant("autoriteConcedante").is_some() || n.enfant("concessionnaires").is_some()
}

/// At most 40 characters of a value, for a message.
fn extrait(v: &str) -> String {
    let mut e: String = v.chars().take(40).collect();
    if v.chars().count() > 40 {
        e.push('…');
    }
    e
}

/// A CPV code; seven digits lost their leading zero (read as a number): padded, said.
fn cpv(c: &str, qui: &str, problemes: &mut Vec<String>) -> String {
    let (chiffres, reste) = c.split_once('-').map_or((c, None), |(a, b)| (a, Some(b)));
    if chiffres.len() == 7 && chiffres.bytes().all(|b| b.is_ascii_digit()) {
        let corrige = match reste {
            Some(r) => format!("0{chiffres}-{r}"),
            None => format!("0{chiffres}"),
        };
        problemes.push(format!("{qui} : code CPV « {c} » complété en « {corrige} » (zéro initial perdu)"));
        return corrige;
    }
    c.to_string()
}

/// An amount read with [`montant`], its rounding to the cent said.
fn montant_signale(texte: &str, quoi: &str, problemes: &mut Vec<String>) -> Option<i64> {
    let (cents, arrondi) = montant_exact(texte)?;
    if arrondi {
        problemes.push(format!("{quoi} « {} » arrondi au centime : {}", extrait(texte), crate::text::euros_fr(cents as f64 / 100.0)));
    }
    Some(cents)
}

/// A duration in months: `24`, or `4.0`; a fraction of a month is rounded up, said.
fn duree(texte: &str, quoi: &str, problemes: &mut Vec<String>) -> Option<i32> {
    if let Ok(v) = texte.parse::<i32>() {
        return (v >= 0).then_some(v);
    }
    let x: f64 = texte.replace(',', ".").parse().ok().filter(|x: &f64| x.is_finite() && *x >= 0.0 && *x < 10_000.0)?;
    if x.fract() != 0.0 {
        problemes.push(format!("{quoi} « {} » arrondie à {} mois", extrait(texte), x.ceil()));
    }
    Some(x.ceil() as i32)
}

/// A buyer (`siret_seulement`: a SIRET is required) or a company: its identifier and
/// its name. A company may be identified otherwise than by a SIRET (TVA
/// intracommunautaire, HORS-UE, TAHITI, RIDET, FRWF, IREP): kept as given.
fn organisme(n: &Noeud, champ_nom: &str, siret_seulement: bool) -> Result<Organisme, String> {
    let id = n.texte_de("id").ok_or("sans identifiant")?;
    let type_ = match n.texte_de("typeIdentifiant") {
        None => entities::enums::TypeIdentifiant::Siret,
        Some(t) => {
            let type_ = Identifiant::type_decp(t).ok_or_else(|| format!("{id} : type d'identifiant « {} » inconnu", extrait(t)))?;
            if siret_seulement && type_ != entities::enums::TypeIdentifiant::Siret {
                return Err(format!("{id} identifié par {t}, pas par un SIRET"));
            }
            type_
        }
    };
    let identifiant = Identifiant::parse(type_, id).map_err(|e| format!("{id} : {e}"))?;
    Ok(Organisme { identifiant, nom: n.texte_de(champ_nom).or_else(|| n.texte_de("nom")).map(str::to_string) })
}

/// An amount in euros as cents: `575000`, `123456.89`, `1 234,56`, `12 000 €`; more
/// than two decimals are rounded half-up to the cent.
pub fn montant(texte: &str) -> Option<i64> {
    montant_exact(texte).map(|(c, _)| c)
}

/// The amount in cents, and whether it was rounded.
fn montant_exact(texte: &str) -> Option<(i64, bool)> {
    let t: String = texte.chars().filter(|c| !c.is_whitespace() && *c != '€' && *c != '\u{a0}').collect::<String>().replace(',', ".");
    let (entiers, decimales) = t.split_once('.').unwrap_or((&t, ""));
    if entiers.is_empty() || !entiers.bytes().all(|b| b.is_ascii_digit()) || !decimales.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let euros: i64 = entiers.parse().ok()?;
    let d = decimales.as_bytes();
    let chiffre = |i: usize| d.get(i).map_or(0, |b| i64::from(b - b'0'));
    let mut cents = chiffre(0) * 10 + chiffre(1);
    let arrondi = d.len() > 2 && d[2..].iter().any(|b| *b != b'0');
    if chiffre(2) >= 5 {
        cents += 1;
    }
    Some((euros.checked_mul(100)?.checked_add(cents)?, arrondi))
}

/// A date, ignoring a time or a time zone after it.
fn date(texte: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(texte.get(..10)?, "%Y-%m-%d").ok()
}

/// A node as JSON, for the versions kept: leaves as text, repeated names as arrays.
pub fn en_json(n: &Noeud) -> serde_json::Value {
    if n.enfants.is_empty() {
        return serde_json::Value::String(n.texte.trim().to_string());
    }
    let mut objet = serde_json::Map::new();
    for e in &n.enfants {
        let v = en_json(e);
        match objet.get_mut(&e.nom) {
            Some(serde_json::Value::Array(a)) => a.push(v),
            Some(existant) => {
                let premier = existant.take();
                *existant = serde_json::Value::Array(vec![premier, v]);
            }
            None => {
                objet.insert(e.nom.clone(), v);
            }
        }
    }
    serde_json::Value::Object(objet)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_as_files_write_them() {
        assert_eq!(montant("575000"), Some(57_500_000));
        assert_eq!(montant("123456.89"), Some(12_345_689));
        assert_eq!(montant("1 234,5"), Some(123_450));
        assert_eq!(montant("12\u{a0}000 €"), Some(1_200_000));
        assert_eq!(montant("NC"), None);
        assert_eq!(montant("16000.999"), Some(1_600_100), "half-up to the cent");
        assert_eq!(montant("16000.994"), Some(1_600_099));
        assert_eq!(montant("10.005"), Some(1_001));
        assert_eq!(montant("-5"), None);
    }

    #[test]
    fn buyers_kind_from_their_siren() {
        assert_eq!(type_acheteur("21350238800019"), TypeDonneurOrdre::Commune);
        assert_eq!(type_acheteur("21750001630040"), TypeDonneurOrdre::Commune);
        assert_eq!(type_acheteur("55204599900869"), TypeDonneurOrdre::Prive);
    }
}
