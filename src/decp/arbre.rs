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

/// Where a marché starts or a file stopped: its line (1 for the first) and its byte
/// offset, said when the line alone does not tell (a file without line breaks).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Position {
    pub ligne: u64,
    pub octet: u64,
}

impl std::fmt::Display for Position {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        if self.ligne <= 1 && self.octet > 0 {
            write!(f, "{} (octet {})", self.ligne.max(1), self.octet)
        } else {
            write!(f, "{}", self.ligne)
        }
    }
}

/// A marché read from a file, with where it starts and what the reader had to change
/// in it (a `NaN` read as an unknown value).
#[derive(Debug)]
pub struct MarcheLu {
    pub position: Position,
    pub noeud: Noeud,
    pub avertissements: Vec<String>,
}

/// A file that cannot be read past some point: where, and why (in French).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Illisible {
    pub position: Position,
    pub message: String,
}

/// Lines and bytes read so far.
#[derive(Default)]
struct Compteur {
    lignes: Cell<u64>,
    octets: Cell<u64>,
}

impl Compteur {
    fn nouveau() -> Rc<Compteur> {
        Rc::new(Compteur { lignes: Cell::new(1), octets: Cell::new(0) })
    }

    fn position(&self) -> Position {
        Position { ligne: self.lignes.get(), octet: self.octets.get() }
    }

    fn avancer(&self, lus: &[u8]) {
        self.lignes.set(self.lignes.get() + lus.iter().filter(|b| **b == b'\n').count() as u64);
        self.octets.set(self.octets.get() + lus.len() as u64);
    }
}

/// Counts the lines and bytes of what has been read.
struct CompteLignes<R> {
    inner: R,
    compteur: Rc<Compteur>,
}

impl<R: Read> Read for CompteLignes<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.compteur.avancer(&buf[..n]);
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
            self.compteur.avancer(&buf[..n]);
        }
        self.inner.consume(amt);
    }
}

/// Whether the content is XML (else JSON), from its first significant character.
pub fn est_xml(debut: &[u8]) -> bool {
    let debut = debut.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(debut);
    debut.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'<')
}

/// The encoding an XML prolog declares (`<?xml version="1.0" encoding="ISO-8859-1"?>`),
/// if it is known and not UTF-8.
pub fn encodage_declare(debut: &[u8]) -> Option<&'static encoding_rs::Encoding> {
    let debut = debut.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(debut);
    let prologue = debut.strip_prefix(b"<?xml")?;
    let fin = prologue.windows(2).position(|w| w == b"?>")?;
    let prologue = &prologue[..fin];
    let i = prologue.windows(8).position(|w| w == b"encoding")?;
    let reste = &prologue[i + 8..];
    let reste = &reste[reste.iter().position(|b| *b == b'"' || *b == b'\'')? ..];
    let guillemet = reste[0];
    let valeur = &reste[1..1 + reste[1..].iter().position(|b| *b == guillemet)?];
    encoding_rs::Encoding::for_label(valeur).filter(|e| *e != encoding_rs::UTF_8)
}

/// A source as UTF-8 without its BOM: decoded from `encodage` when given (an XML
/// prolog's), else UTF-8 or UTF-16 as its BOM says, else passed through as it is.
pub fn en_utf8<R: Read>(source: R, encodage: Option<&'static encoding_rs::Encoding>) -> std::io::BufReader<encoding_rs_io::DecodeReaderBytes<R, Vec<u8>>> {
    let decodeur = encoding_rs_io::DecodeReaderBytesBuilder::new().encoding(encodage).bom_sniffing(true).strip_bom(true).utf8_passthru(true).build(source);
    std::io::BufReader::with_capacity(1 << 16, decodeur)
}

/// A system error in French (never the system's English text).
pub fn erreur_io(e: &std::io::Error) -> String {
    use std::io::ErrorKind::*;
    match e.kind() {
        NotFound => "fichier introuvable".into(),
        PermissionDenied => "lecture interdite (droits du fichier)".into(),
        IsADirectory => "c'est un dossier, pas un fichier".into(),
        InvalidData => "octets illisibles dans l'encodage du fichier".into(),
        UnexpectedEof => "fin de fichier inattendue".into(),
        _ => match e.raw_os_error() {
            Some(code) => format!("lecture impossible (erreur système n° {code})"),
            None => "lecture impossible".into(),
        },
    }
}

/// A quick-xml error in French.
fn message_xml(e: &quick_xml::Error) -> String {
    use quick_xml::errors::{IllFormedError as M, SyntaxError as S};
    use quick_xml::Error as E;
    match e {
        E::Io(io) => erreur_io(io),
        E::Syntax(s) => match s {
            S::UnclosedTag => "XML mal formé : balise non fermée (« > » manquant)".into(),
            S::UnclosedComment => "XML mal formé : commentaire non fermé".into(),
            S::UnclosedCData => "XML mal formé : section CDATA non fermée".into(),
            S::UnclosedPIOrXmlDecl => "XML mal formé : déclaration <?…?> non fermée".into(),
            S::UnclosedDoctype => "XML mal formé : DOCTYPE non fermé".into(),
            _ => "XML mal formé : balise « <! » invalide".into(),
        },
        E::IllFormed(m) => match m {
            M::MismatchedEndTag { expected, found } => format!("XML mal formé : </{found}> ferme <{expected}>"),
            M::UnmatchedEndTag(n) => format!("XML mal formé : </{n}> ne ferme aucune balise ouverte"),
            M::MissingEndTag(n) => format!("XML mal formé : <{n}> n'est jamais fermé"),
            _ => "XML mal formé".into(),
        },
        E::Encoding(_) => "XML : octets illisibles dans l'encodage déclaré".into(),
        E::Escape(_) => "XML : entité inconnue ou mal écrite (« &…; »)".into(),
        E::InvalidAttr(_) => "XML mal formé : attribut invalide".into(),
        E::Namespace(_) => "XML : espace de noms invalide".into(),
    }
}

/// A serde_json error in French, where it happened.
fn illisible_json(e: &serde_json::Error) -> Illisible {
    use serde_json::error::Category;
    let message = match e.classify() {
        Category::Eof => "JSON tronqué : fin de fichier au milieu d'une valeur".to_string(),
        Category::Io => "lecture impossible".to_string(),
        Category::Syntax => format!("JSON mal formé (colonne {})", e.column()),
        Category::Data => format!("JSON inattendu (colonne {}) : un objet « marches » ou une liste de marchés est attendu", e.column()),
    };
    let ligne = e.line() as u64;
    Illisible { position: Position { ligne, octet: if ligne <= 1 { e.column() as u64 } else { 0 } }, message }
}

/// Reads every `<marche>` of an XML file (at any depth: `<marches><marche>` or a lone
/// `<marche>`), calling `chaque` with each; stops at the first malformed part. The
/// source is UTF-8 (see [`en_utf8`]).
pub fn lire_xml<R: BufRead>(source: R, mut chaque: impl FnMut(MarcheLu)) -> Result<(), Illisible> {
    let compteur = Compteur::nouveau();
    let mut reader = quick_xml::Reader::from_reader(CompteLignes { inner: source, compteur: compteur.clone() });
    let mut buf = Vec::new();
    // The marché being read: where it starts and the stack of open nodes.
    let mut pile: Vec<Noeud> = Vec::new();
    let mut debut = Position::default();
    let illisible = |message: String| Illisible { position: compteur.position(), message };
    loop {
        let evenement = reader.read_event_into(&mut buf).map_err(|e| illisible(message_xml(&e)))?;
        match evenement {
            Event::Start(e) => {
                let nom = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                if pile.is_empty() && nom != "marche" {
                    // Outside a marché: wrappers (<marches>) are walked through.
                } else {
                    if pile.is_empty() {
                        debut = compteur.position();
                        // The start of the tag, not its end.
                        debut.octet = debut.octet.saturating_sub(e.len() as u64 + 2);
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
                    n.texte.push_str(&t.unescape().map_err(|e| illisible(message_xml(&e)))?);
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
                        None => chaque(MarcheLu { position: debut, noeud: n, avertissements: Vec::new() }),
                    }
                }
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    if pile.is_empty() { Ok(()) } else { Err(illisible("fin de fichier au milieu d'un marché (fichier tronqué ?)".into())) }
}

/// The first reading of an XML file: for each `<marche>`, the texts of its `id` and of
/// its acheteur's `id` (the key that groups lots), without building its tree; the same
/// checks as [`lire_xml`] (well-formed, entities), so that a file read here is read there.
pub fn cles_xml<R: BufRead>(source: R, mut chaque: impl FnMut(&str, &str)) -> Result<(), Illisible> {
    #[derive(Clone, Copy, PartialEq)]
    enum Ici {
        Id,
        Acheteur,
        IdAcheteur,
        Autre,
    }
    let compteur = Compteur::nouveau();
    let mut reader = quick_xml::Reader::from_reader(CompteLignes { inner: source, compteur: compteur.clone() });
    let mut buf = Vec::new();
    let mut pile: Vec<Ici> = Vec::new();
    let mut dedans = false;
    let (mut id, mut acheteur) = (String::new(), String::new());
    let (mut id_vu, mut acheteur_vu) = (false, false);
    let illisible = |message: String| Illisible { position: compteur.position(), message };
    loop {
        match reader.read_event_into(&mut buf).map_err(|e| illisible(message_xml(&e)))? {
            Event::Start(e) => {
                let nom = e.local_name();
                if !dedans {
                    if nom.as_ref() == b"marche" {
                        dedans = true;
                        pile.clear();
                        id.clear();
                        acheteur.clear();
                        (id_vu, acheteur_vu) = (false, false);
                    }
                } else {
                    let ici = match (pile.len(), pile.last(), nom.as_ref()) {
                        (0, _, b"id") if !id_vu => Ici::Id,
                        (0, _, b"acheteur") => Ici::Acheteur,
                        (1, Some(Ici::Acheteur), b"id") if !acheteur_vu => Ici::IdAcheteur,
                        _ => Ici::Autre,
                    };
                    pile.push(ici);
                }
            }
            Event::Text(t) => {
                if dedans {
                    let texte = t.unescape().map_err(|e| illisible(message_xml(&e)))?;
                    match pile.last() {
                        Some(Ici::Id) => id.push_str(&texte),
                        Some(Ici::IdAcheteur) => acheteur.push_str(&texte),
                        _ => {}
                    }
                }
            }
            Event::CData(t) => match pile.last() {
                Some(Ici::Id) => id.push_str(&String::from_utf8_lossy(&t)),
                Some(Ici::IdAcheteur) => acheteur.push_str(&String::from_utf8_lossy(&t)),
                _ => {}
            },
            Event::End(_) => {
                if dedans {
                    match pile.pop() {
                        Some(Ici::Id) => id_vu = !id.trim().is_empty(),
                        Some(Ici::IdAcheteur) => acheteur_vu = !acheteur.trim().is_empty(),
                        Some(_) => {}
                        None => {
                            dedans = false;
                            chaque(acheteur.trim(), id.trim());
                        }
                    }
                }
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    if dedans { Err(illisible("fin de fichier au milieu d'un marché (fichier tronqué ?)".into())) } else { Ok(()) }
}

/// Reads every marché of a JSON file — `{"marches": {"marche": [ … ]}}` (v2), one marché
/// as an object in place of the list, `{"marches": [ … ]}` (v1) or a bare array — one
/// at a time. A bare `NaN`, `Infinity` or `-Infinity` (not JSON, but published) is read
/// as an unknown value, with a warning on its marché.
pub fn lire_json<R: Read>(source: R, chaque: impl FnMut(MarcheLu)) -> Result<(), Illisible> {
    let compteur = Compteur::nouveau();
    let remplaces = Rc::new(std::cell::RefCell::new(Vec::new()));
    let sans_nan = SansNaN { inner: source.bytes(), sortie: std::collections::VecDeque::new(), dans_chaine: false, echappe: false, remplaces: remplaces.clone() };
    let mut de = serde_json::Deserializer::from_reader(CompteLignes { inner: sans_nan, compteur: compteur.clone() });
    let mut racine = Racine { chaque, compteur, remplaces };
    let lu = DeserializeSeed::deserialize(&mut racine, &mut de).and_then(|_| de.end());
    lu.map_err(|e| illisible_json(&e))
}

/// Replaces the bare tokens `NaN`, `Infinity`, `-Infinity` outside strings with `null`,
/// keeping each one's name.
struct SansNaN<I> {
    inner: I,
    sortie: std::collections::VecDeque<u8>,
    dans_chaine: bool,
    echappe: bool,
    remplaces: Rc<std::cell::RefCell<Vec<&'static str>>>,
}

impl<I: Iterator<Item = std::io::Result<u8>>> SansNaN<I> {
    /// After the first byte of a candidate token: the rest if it follows, else what was
    /// read is passed on as it is.
    fn jeton(&mut self, premier: u8, reste: &'static [u8], nom: &'static str) -> std::io::Result<()> {
        let mut lus = vec![premier];
        for attendu in reste {
            match self.inner.next().transpose()? {
                Some(b) if b == *attendu => lus.push(b),
                Some(b) => {
                    lus.push(b);
                    self.sortie.extend(lus);
                    return Ok(());
                }
                None => {
                    self.sortie.extend(lus);
                    return Ok(());
                }
            }
        }
        self.sortie.extend(b"null");
        self.remplaces.borrow_mut().push(nom);
        Ok(())
    }
}

impl<I: Iterator<Item = std::io::Result<u8>>> Read for SansNaN<I> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.sortie.len() < buf.len() {
            let Some(b) = self.inner.next().transpose()? else { break };
            if self.dans_chaine {
                self.sortie.push_back(b);
                match (self.echappe, b) {
                    (true, _) => self.echappe = false,
                    (false, b'\\') => self.echappe = true,
                    (false, b'"') => self.dans_chaine = false,
                    _ => {}
                }
                continue;
            }
            match b {
                b'"' => {
                    self.dans_chaine = true;
                    self.sortie.push_back(b);
                }
                b'N' => self.jeton(b, b"aN", "NaN")?,
                b'I' => self.jeton(b, b"nfinity", "Infinity")?,
                b'-' => match self.inner.next().transpose()? {
                    Some(b'I') => {
                        self.sortie.push_back(b'-');
                        self.jeton(b'I', b"nfinity", "-Infinity")?;
                        // `-null` is not JSON: the minus goes with the token.
                        if self.sortie.iter().rev().take(4).eq(b"llun".iter()) {
                            let n = self.sortie.len();
                            self.sortie.remove(n - 5);
                        }
                    }
                    Some(c) => self.sortie.extend([b, c]),
                    None => self.sortie.push_back(b),
                },
                _ => self.sortie.push_back(b),
            }
        }
        let n = buf.len().min(self.sortie.len());
        for (i, b) in self.sortie.drain(..n).enumerate() {
            buf[i] = b;
        }
        Ok(n)
    }
}

/// The file's root, then the `marches` / `marche` wrappers down to the marchés.
struct Racine<F> {
    chaque: F,
    compteur: Rc<Compteur>,
    remplaces: Rc<std::cell::RefCell<Vec<&'static str>>>,
}

impl<F: FnMut(MarcheLu)> Racine<F> {
    fn emettre(&mut self, position: Position, v: serde_json::Value) {
        let avertissements = self.remplaces.borrow_mut().drain(..).map(|nom| format!("valeur « {nom} » lue comme inconnue")).collect();
        (self.chaque)(MarcheLu { position, noeud: depuis_json("marche", v), avertissements });
    }
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
            match cle.as_str() {
                "marches" => map.next_value_seed(&mut *self)?,
                "marche" => map.next_value_seed(ListeOuMarche(&mut *self))?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element_seed(UnMarche(&mut *self))?.is_some() {}
        Ok(())
    }
}

/// The value of `"marche"`: the list of marchés, or one marché as an object.
struct ListeOuMarche<'a, F>(&'a mut Racine<F>);

impl<'de, F: FnMut(MarcheLu)> DeserializeSeed<'de> for ListeOuMarche<'_, F> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de, F: FnMut(MarcheLu)> Visitor<'de> for ListeOuMarche<'_, F> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("une liste de marchés ou un marché")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<(), A::Error> {
        self.0.visit_seq(seq)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<(), A::Error> {
        UnMarche(self.0).visit_map(map)
    }
}

/// One marché: where its opening brace is, and its value.
struct UnMarche<'a, F>(&'a mut Racine<F>);

impl<'de, F: FnMut(MarcheLu)> DeserializeSeed<'de> for UnMarche<'_, F> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de, F: FnMut(MarcheLu)> Visitor<'de> for UnMarche<'_, F> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("un marché")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<(), A::Error> {
        // The brace was just read: the counter stands on its line, one byte after it.
        let mut position = self.0.compteur.position();
        position.octet = position.octet.saturating_sub(1);
        let v = <serde_json::Value as serde::Deserialize>::deserialize(serde::de::value::MapAccessDeserializer::new(map))?;
        self.0.emettre(position, v);
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<(), A::Error> {
        // A list inside the list: its items are marchés too.
        self.0.visit_seq(seq)
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<(), E> {
        let position = self.0.compteur.position();
        self.0.emettre(position, serde_json::Value::String(v.to_string()));
        Ok(())
    }

    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<(), E> {
        self.visit_str(&v.to_string())
    }

    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<(), E> {
        self.visit_str(&v.to_string())
    }

    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<(), E> {
        self.visit_str(&v.to_string())
    }

    fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<(), E> {
        self.visit_str(&v.to_string())
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<(), E> {
        let position = self.0.compteur.position();
        self.0.emettre(position, serde_json::Value::Null);
        Ok(())
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
        assert_eq!((x.len(), j.len(), x[0].position.ligne), (1, 1, 2));
        for m in [&x[0].noeud, &j[0].noeud] {
            assert_eq!(m.texte_de("id"), Some("A1"));
            let ids: Vec<_> = m.elements("titulaires", "titulaire").iter().filter_map(|t| t.texte_de("id")).collect();
            assert_eq!(ids, ["1", "2"]);
        }
    }

    #[test]
    fn the_first_reading_finds_the_keys_and_the_same_faults() {
        let texte = "<marches>\n<marche><id> A1 </id><acheteur><nom>X</nom><id>217500016</id></acheteur><titulaires><titulaire><id>9</id></titulaire></titulaires></marche>\n<marche><objet>sans id</objet></marche>\n</marches>";
        let mut cles = Vec::new();
        cles_xml(texte.as_bytes(), |a, i| cles.push((a.to_string(), i.to_string()))).unwrap();
        assert_eq!(cles, [("217500016".to_string(), "A1".to_string()), (String::new(), String::new())]);
        for casse in ["<marches>\n<marche>\n<id>1</id>\n</marchex>\n</marches>", "<marche><objet>&inconnu;</objet></marche>", "<marches><marche><id>1</id>"] {
            let a = cles_xml(casse.as_bytes(), |_, _| {}).unwrap_err();
            let b = xml(casse).unwrap_err();
            assert_eq!(a, b, "{casse}");
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
        assert_eq!((e.position.ligne, e.message.as_str()), (4, "XML mal formé : </marchex> ferme <marche>"), "{e:?}");
        let e = lire_json("{\"marches\": [\n{\"id\": 1},\n{\"id\": }\n]}".as_bytes(), |_| {}).unwrap_err();
        assert_eq!((e.position.ligne, e.message.as_str()), (3, "JSON mal formé (colonne 8)"), "{e:?}");
        let e = lire_json("{\"marches\": [{\"id\": 1}, {\"id\": 2".as_bytes(), |_| {}).unwrap_err();
        assert_eq!((e.position.to_string(), e.message.as_str()), ("1 (octet 32)".to_string(), "JSON tronqué : fin de fichier au milieu d'une valeur"), "{e:?}");
        assert!(est_xml(b"\xEF\xBB\xBF  <marches/>") && !est_xml(b" {\"marches\": []}"));
    }
}

#[cfg(test)]
mod tests_json {
    use super::*;

    fn json(texte: &str) -> Vec<MarcheLu> {
        let mut v = Vec::new();
        lire_json(texte.as_bytes(), |m| v.push(m)).unwrap();
        v
    }

    #[test]
    fn each_marche_is_placed_at_its_opening_brace() {
        let v = json("{\"marches\": [\n  {\"id\": \"A\"},\n\n  {\n    \"id\": \"B\"\n  }\n]}");
        let lignes: Vec<u64> = v.iter().map(|m| m.position.ligne).collect();
        assert_eq!(lignes, [2, 4]);
        let v = json("{\"marches\":[{\"id\":\"A\"},{\"id\":\"B\"}]}");
        let lieux: Vec<String> = v.iter().map(|m| m.position.to_string()).collect();
        assert_eq!(lieux, ["1 (octet 12)", "1 (octet 23)"]);
    }

    #[test]
    fn one_marche_as_an_object_and_nan_as_unknown() {
        let v = json("{\"marches\": {\"marche\": {\"id\": \"seul\", \"montant\": NaN, \"dureeMois\": -Infinity, \"objet\": \"NaN et Infinity\"}}}");
        assert_eq!(v.len(), 1);
        let m = &v[0];
        assert_eq!((m.noeud.texte_de("id"), m.noeud.texte_de("montant"), m.noeud.texte_de("dureeMois"), m.noeud.texte_de("objet")), (Some("seul"), None, None, Some("NaN et Infinity")));
        assert_eq!(m.avertissements, ["valeur « NaN » lue comme inconnue", "valeur « -Infinity » lue comme inconnue"]);
    }

    #[test]
    fn prolog_encodings_and_boms() {
        assert_eq!(encodage_declare(b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><marches/>"), Some(encoding_rs::WINDOWS_1252));
        assert_eq!(encodage_declare(b"\xEF\xBB\xBF<?xml version='1.0' encoding='iso-8859-15' ?>"), Some(encoding_rs::ISO_8859_15));
        assert_eq!(encodage_declare(b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>"), None);
        assert_eq!(encodage_declare(b"<marches/>"), None);
        let latin1 = b"<?xml version=\"1.0\" encoding=\"ISO-8859-15\"?>\n<marche><objet>R\xe9novation \xa4</objet></marche>";
        let mut v = Vec::new();
        lire_xml(en_utf8(&latin1[..], encodage_declare(latin1)), |m| v.push(m)).unwrap();
        assert_eq!(v[0].noeud.texte_de("objet"), Some("Rénovation €"));
        let mut j = Vec::new();
        lire_json(en_utf8(&b"\xEF\xBB\xBF[{\"id\": \"A\"}]"[..], None), |m| j.push(m)).unwrap();
        assert_eq!(j[0].noeud.texte_de("id"), Some("A"));
    }
}
