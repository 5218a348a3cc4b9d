//! Reading DECP files as a stream of marchés, each as a small tree of named nodes, the
//! same for XML and JSON: a file of hundreds of MB is never held in memory, only the
//! marché being read.
//!
//! Both formats give the same tree: an XML element or a JSON key is a node named after
//! it; a JSON array gives one node per element under the same name (so `"titulaires":
//! [{"titulaire": {…}}]` reads like `<titulaires><titulaire>…`). Each marché carries the
//! line where it starts, for the import's report.

use std::cell::Cell;
use std::io::{BufRead, Read};
use std::rc::Rc;

use quick_xml::events::Event;
use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};

/// A node: its name, its text (leaves) and its children, in document order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Noeud {
    pub nom: String,
    pub texte: String,
    pub enfants: Vec<Noeud>,
}

impl Noeud {
    /// The children named `nom`.
    pub fn tous<'a>(&'a self, nom: &'a str) -> impl Iterator<Item = &'a Noeud> + 'a {
        self.enfants.iter().filter(move |e| e.nom == nom)
    }

    /// The first child named `nom`.
    pub fn enfant<'a>(&'a self, nom: &'a str) -> Option<&'a Noeud> {
        self.tous(nom).next()
    }

    /// The trimmed text of the first child named `nom`, if not empty.
    pub fn texte_de<'a>(&'a self, nom: &'a str) -> Option<&'a str> {
        self.enfant(nom).map(|e| e.texte.trim()).filter(|t| !t.is_empty())
    }

    /// The items of a list, whether the file wraps them or not: the `item` children of
    /// every `liste` child, or a `liste` child that is itself the item (no wrapper, as in
    /// `<titulaires><id>…</id></titulaires>`), or `item` children directly under this node.
    pub fn elements<'a>(&'a self, liste: &'a str, item: &'a str) -> Vec<&'a Noeud> {
        let mut out = Vec::new();
        for l in self.tous(liste) {
            let dedans: Vec<&Noeud> = l.tous(item).collect();
            if dedans.is_empty() {
                if !l.enfants.is_empty() || !l.texte.trim().is_empty() {
                    out.push(l);
                }
            } else {
                out.extend(dedans);
            }
        }
        out.extend(self.tous(item));
        out
    }
}

/// A marché read from a file, with the line where it starts.
#[derive(Debug)]
pub struct MarcheLu {
    pub ligne: u64,
    pub noeud: Noeud,
}

/// A file that cannot be read past some point: its line and the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Illisible {
    pub ligne: u64,
    pub message: String,
}

/// Counts the lines of what has been read (1 for the first line).
struct CompteLignes<R> {
    inner: R,
    lignes: Rc<Cell<u64>>,
}

impl<R: Read> Read for CompteLignes<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.lignes.set(self.lignes.get() + buf[..n].iter().filter(|b| **b == b'\n').count() as u64);
        Ok(n)
    }
}

impl<R: BufRead> BufRead for CompteLignes<R> {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        self.inner.fill_buf()
    }
    fn consume(&mut self, amt: usize) {
        if let Ok(buf) = self.inner.fill_buf() {
            let n = amt.min(buf.len());
            self.lignes.set(self.lignes.get() + buf[..n].iter().filter(|b| **b == b'\n').count() as u64);
        }
        self.inner.consume(amt);
    }
}

/// Whether the content is XML (else JSON), from its first significant character.
pub fn est_xml(debut: &[u8]) -> bool {
    let debut = debut.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(debut);
    debut.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'<')
}

/// Reads every `<marche>` of an XML file (at any depth: `<marches><marche>` or a lone
/// `<marche>`), calling `chaque` with each; stops at the first malformed part.
pub fn lire_xml<R: BufRead>(source: R, mut chaque: impl FnMut(MarcheLu)) -> Result<(), Illisible> {
    let lignes = Rc::new(Cell::new(1));
    let mut reader = quick_xml::Reader::from_reader(CompteLignes { inner: source, lignes: lignes.clone() });
    let mut buf = Vec::new();
    // The marché being read: its start line and the stack of open nodes.
    let mut pile: Vec<Noeud> = Vec::new();
    let mut debut = 0;
    let illisible = |message: String| Illisible { ligne: lignes.get(), message };
    loop {
        let evenement = reader.read_event_into(&mut buf).map_err(|e| illisible(format!("XML mal formé : {e}")))?;
        match evenement {
            Event::Start(e) => {
                let nom = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                if pile.is_empty() && nom != "marche" {
                    // Outside a marché: wrappers (<marches>) are walked through.
                } else {
                    if pile.is_empty() {
                        debut = lignes.get();
                    }
                    pile.push(Noeud { nom, ..Noeud::default() });
                }
            }
            Event::Empty(e) => {
                if let Some(parent) = pile.last_mut() {
                    parent.enfants.push(Noeud { nom: String::from_utf8_lossy(e.local_name().as_ref()).into_owned(), ..Noeud::default() });
                }
            }
            Event::Text(t) => {
                if let Some(n) = pile.last_mut() {
                    n.texte.push_str(&t.unescape().map_err(|e| illisible(format!("texte illisible : {e}")))?);
                }
            }
            Event::CData(t) => {
                if let Some(n) = pile.last_mut() {
                    n.texte.push_str(&String::from_utf8_lossy(&t));
                }
            }
            Event::End(_) => {
                if let Some(n) = pile.pop() {
                    match pile.last_mut() {
                        Some(parent) => parent.enfants.push(n),
                        None => chaque(MarcheLu { ligne: debut, noeud: n }),
                    }
                }
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    if pile.is_empty() { Ok(()) } else { Err(illisible("fin de fichier au milieu d'un marché".into())) }
}

/// Reads every marché of a JSON file — `{"marches": {"marche": [ … ]}}` (v2),
/// `{"marches": [ … ]}` (v1) or a bare array — one at a time.
pub fn lire_json<R: Read>(source: R, chaque: impl FnMut(MarcheLu)) -> Result<(), Illisible> {
    let lignes = Rc::new(Cell::new(1));
    let mut de = serde_json::Deserializer::from_reader(CompteLignes { inner: source, lignes: lignes.clone() });
    let mut racine = Racine { chaque, lignes };
    let lu = DeserializeSeed::deserialize(&mut racine, &mut de).and_then(|_| de.end());
    lu.map_err(|e| Illisible { ligne: e.line() as u64, message: format!("JSON mal formé : {e}") })
}

/// The file's root, then the `marches` / `marche` wrappers down to the marchés.
struct Racine<F> {
    chaque: F,
    lignes: Rc<Cell<u64>>,
}

impl<'de, F: FnMut(MarcheLu)> DeserializeSeed<'de> for &mut Racine<F> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de, F: FnMut(MarcheLu)> Visitor<'de> for &mut Racine<F> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("un objet « marches » ou une liste de marchés")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(cle) = map.next_key::<String>()? {
            if cle == "marches" || cle == "marche" {
                map.next_value_seed(&mut *self)?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        loop {
            let ligne = self.lignes.get();
            match seq.next_element::<serde_json::Value>()? {
                Some(v) => (self.chaque)(MarcheLu { ligne, noeud: depuis_json("marche", v) }),
                None => return Ok(()),
            }
        }
    }
}

/// A JSON value as a node named `nom`; an array gives one node per element (flattened by
/// the caller, see [`Noeud::elements`]).
fn depuis_json(nom: &str, v: serde_json::Value) -> Noeud {
    let mut n = Noeud { nom: nom.to_string(), ..Noeud::default() };
    match v {
        serde_json::Value::Object(champs) => {
            for (cle, valeur) in champs {
                match valeur {
                    serde_json::Value::Array(elements) => n.enfants.extend(elements.into_iter().map(|e| depuis_json(&cle, e))),
                    autre => n.enfants.push(depuis_json(&cle, autre)),
                }
            }
        }
        serde_json::Value::String(s) => n.texte = s,
        serde_json::Value::Null => {}
        autre => n.texte = autre.to_string(),
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    fn xml(texte: &str) -> Result<Vec<MarcheLu>, Illisible> {
        let mut v = Vec::new();
        lire_xml(texte.as_bytes(), |m| v.push(m)).map(|_| v)
    }

    #[test]
    fn xml_and_json_give_the_same_tree() {
        let x = xml("<marches>\n <marche>\n  <id>A1</id>\n  <titulaires><titulaire><id>1</id></titulaire><titulaire><id>2</id></titulaire></titulaires>\n  <modifications/>\n </marche>\n</marches>").unwrap();
        let mut j = Vec::new();
        lire_json(r#"{"marches": {"marche": [{"id": "A1", "titulaires": [{"titulaire": {"id": "1"}}, {"titulaire": {"id": "2"}}]}]}}"#.as_bytes(), |m| j.push(m)).unwrap();
        assert_eq!((x.len(), j.len(), x[0].ligne), (1, 1, 2));
        for m in [&x[0].noeud, &j[0].noeud] {
            assert_eq!(m.texte_de("id"), Some("A1"));
            let ids: Vec<_> = m.elements("titulaires", "titulaire").iter().filter_map(|t| t.texte_de("id")).collect();
            assert_eq!(ids, ["1", "2"]);
        }
    }

    #[test]
    fn lists_with_or_without_their_wrapper() {
        let m = &xml("<marche><titulaires><id>9</id></titulaires><modaliteExecution>Tranches</modaliteExecution></marche>").unwrap()[0].noeud;
        assert_eq!(m.elements("titulaires", "titulaire")[0].texte_de("id"), Some("9"));
        assert_eq!(m.elements("modalitesExecution", "modaliteExecution")[0].texte.trim(), "Tranches");
    }

    #[test]
    fn malformed_files_say_where() {
        let e = xml("<marches>\n<marche>\n<id>1</id>\n</marchex>\n</marches>").unwrap_err();
        assert_eq!(e.ligne, 4, "{e:?}");
        let e = lire_json("{\"marches\": [\n{\"id\": 1},\n{\"id\": }\n]}".as_bytes(), |_| {}).unwrap_err();
        assert_eq!(e.ligne, 3, "{e:?}");
        assert!(est_xml(b"\xEF\xBB\xBF  <marches/>") && !est_xml(b" {\"marches\": []}"));
    }
}
