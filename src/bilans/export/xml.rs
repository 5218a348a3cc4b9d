//! XML (quick-xml). Numbers use a decimal point; hours are decimal hours; a masked count
//! is the text `< 5` (or `masqué`, as are a masked row's hours). Codes are attributes
//! (`cle`), French labels the lines' text. The structure is the schema `bilan.xsd` next to this
//! file, which the API tests (tests/api/run.sh) validate the server's exports against. In short:
//!
//! ```xml
//! <bilan xmlns="urn:clausier:bilan:1" perimetre="operation" id="12" nom="…" du="2025-01-01" au="2025-12-31">
//!   <heures objectif="450" realisees="730.25" retenues="630.25" taux="1.400556" ecart="0"
//!           penalites="0" estimees="0"/>
//!   <non-retenues non_eligible="0" hors_periode="100" plafond="0" formation_exclue="0" coefficient="0"/>
//!   <effectifs clauses="2" participants="4" contrats="4" entreprises="4" siae="1"/>
//!   <ventilation nom="par_type_contrat">                 <!-- and par_modalite, par_type_employeur,
//!     <ligne cle="cdd" contrats="2" participants="2"         par_niveau, par_metier, par_secteur -->
//!            heures_realisees="720.25" heures_retenues="430.25">CDD</ligne>
//!   </ventilation>
//!   <public><ligne cle="femmes" participants="3">Femmes</ligne>…</public>
//!   <situation-6-mois><ligne cle="emploi_durable" participants="1">Emploi durable</ligne>…</situation-6-mois>
//!   <mois><ligne mois="2025-02" heures_realisees="260" heures_retenues="260"/>…</mois>
//! </bilan>
//! ```

use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use quick_xml::Writer;

use crate::bilans::model::{heures_ou_masque, Bilan};

pub const NAMESPACE: &str = "urn:clausier:bilan:1";

pub fn n(x: f64) -> String {
    let s = format!("{x:.6}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

pub fn render(b: &Bilan) -> anyhow::Result<Vec<u8>> {
    let mut w = Writer::new_with_indent(Vec::new(), b' ', 2);
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    let id = b.perimetre.id.map(|i| i.to_string()).unwrap_or_default();
    let du = b.periode.du.map(|d| d.to_string()).unwrap_or_default();
    let au = b.periode.au.map(|d| d.to_string()).unwrap_or_default();
    let root = BytesStart::new("bilan").with_attributes([("xmlns", NAMESPACE), ("perimetre", b.perimetre.type_.as_str()), ("id", id.as_str()), ("nom", b.perimetre.nom.as_str()), ("du", du.as_str()), ("au", au.as_str())]);
    w.write_event(Event::Start(root))?;
    corps(&mut w, b)?;
    w.write_event(Event::End(BytesEnd::new("bilan")))?;
    Ok(w.into_inner())
}

/// An empty element with attributes.
pub fn vide(name: &str, attrs: Vec<(&str, String)>) -> Event<'static> {
    let mut e = BytesStart::new(name.to_string());
    for (k, v) in &attrs {
        e.push_attribute((*k, v.as_str()));
    }
    Event::Empty(e)
}

/// A line with attributes and its label as text.
fn ligne(w: &mut Writer<Vec<u8>>, attrs: Vec<(&str, String)>, libelle: &str) -> anyhow::Result<()> {
    let mut e = BytesStart::new("ligne");
    for (k, v) in &attrs {
        e.push_attribute((*k, v.as_str()));
    }
    w.write_event(Event::Start(e))?;
    w.write_event(Event::Text(BytesText::new(libelle)))?;
    w.write_event(Event::End(BytesEnd::new("ligne")))?;
    Ok(())
}

/// The figures of a bilan, inside whatever root element the caller wrote.
pub fn corps(w: &mut Writer<Vec<u8>>, b: &Bilan) -> anyhow::Result<()> {
    w.write_event(vide("heures", vec![("objectif", n(b.heures_objectif)), ("realisees", n(b.heures_realisees)), ("retenues", n(b.heures_retenues)), ("taux", n(b.taux_realisation)), ("ecart", n(b.ecart)), ("penalites", n(b.penalites_theoriques)), ("estimees", n(b.heures_estimees))]))?;
    let nr = &b.heures_non_retenues;
    w.write_event(vide("non-retenues", vec![("non_eligible", n(nr.non_eligible)), ("hors_periode", n(nr.hors_periode)), ("plafond", n(nr.plafond)), ("formation_exclue", n(nr.formation_exclue)), ("coefficient", n(nr.coefficient))]))?;
    w.write_event(vide("effectifs", vec![("clauses", b.clauses.to_string()), ("participants", b.participants.texte()), ("contrats", b.contrats.texte()), ("entreprises", b.entreprises.to_string()), ("siae", b.siae.to_string())]))?;
    for (nom, _, genre, table) in b.ventilations() {
        w.write_event(Event::Start(BytesStart::new("ventilation").with_attributes([("nom", nom)])))?;
        for (k, v) in table {
            let attrs = vec![("cle", k.clone()), ("contrats", v.contrats.texte()), ("participants", v.participants.texte()), ("heures_realisees", heures_ou_masque(v.heures_realisees, n)), ("heures_retenues", heures_ou_masque(v.heures_retenues, n))];
            ligne(w, attrs, &super::libelle(genre, k))?;
        }
        w.write_event(Event::End(BytesEnd::new("ventilation")))?;
    }
    for (tag, genre, table) in [("public", "public", &b.par_public), ("situation-6-mois", "situation_suivi", &b.situation_6_mois)] {
        w.write_event(Event::Start(BytesStart::new(tag)))?;
        for (k, c) in table {
            ligne(w, vec![("cle", k.clone()), ("participants", c.texte())], &super::libelle(genre, k))?;
        }
        w.write_event(Event::End(BytesEnd::new(tag)))?;
    }
    w.write_event(Event::Start(BytesStart::new("mois")))?;
    for m in &b.par_mois {
        w.write_event(vide("ligne", vec![("mois", m.mois.clone()), ("heures_realisees", n(m.heures_realisees)), ("heures_retenues", n(m.heures_retenues))]))?;
    }
    w.write_event(Event::End(BytesEnd::new("mois")))?;
    Ok(())
}
