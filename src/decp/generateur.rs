//! A DECP file of the national kind, generated for the import's measures (`clausier
//! bench decp`): v2 XML as the profiles publish it, ~1.1 KB per marché, written as a
//! stream (a file of 1 GB needs no memory). Deterministic for a seed. Some marchés are
//! published as several records sharing (acheteur, id) — their lots —, some carry
//! modifications, a cotitulaire, a sous-traitant, a clause sociale.

use std::io::Write;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// Writes `marches` marchés into `sortie`; the number of records written (lots count
/// one each).
pub fn generer(sortie: impl Write, marches: u64, graine: u64) -> std::io::Result<u64> {
    let mut w = std::io::BufWriter::with_capacity(1 << 20, sortie);
    let mut rng = StdRng::seed_from_u64(graine);
    let acheteurs = (marches / 40).max(3);
    let entreprises = (marches / 4).max(10);
    let siret = |graine: u64| crate::demo::siret(graine);
    writeln!(w, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<marches>")?;
    let mut enregistrements = 0;
    for i in 0..marches {
        let acheteur = siret(1_000_000 + rng.gen_range(0..acheteurs));
        let lots = if rng.gen_bool(0.05) { rng.gen_range(2..5) } else { 1 };
        let travaux = rng.gen_bool(0.4);
        for lot in 0..lots {
            enregistrements += 1;
            let titulaire = siret(2_000_000 + rng.gen_range(0..entreprises));
            let montant = rng.gen_range(20_000..3_000_000) as f64 + f64::from(rng.gen_range(0..100u32)) / 100.0;
            let (cpv, nature) = if travaux { ("45214200-2", "Marché") } else { ("90910000-9", "Marché") };
            let sociale = if rng.gen_bool(0.15) { "Clause sociale" } else { "Pas de considération sociale" };
            writeln!(
                w,
                "  <marche>\n    <id>{annee}{i:07}</id>\n    <acheteur><id>{acheteur}</id></acheteur>\n    <nature>{nature}</nature>\n    <objet>{objet} — lot {numero} : travaux et prestations d'entretien du patrimoine communal, tranche {i}</objet>\n    <codeCPV>{cpv}</codeCPV>\n    <techniques><technique>Sans objet</technique></techniques>\n    <modalitesExecution><modaliteExecution>Bons de commande</modaliteExecution></modalitesExecution>\n    <procedure>Appel d'offres ouvert</procedure>\n    <lieuExecution><code>{cp}</code><typeCode>Code postal</typeCode></lieuExecution>\n    <dureeMois>{duree}</dureeMois>\n    <dateNotification>2025-{mois:02}-{jour:02}+01:00</dateNotification>\n    <datePublicationDonnees>2025-{mois:02}-28</datePublicationDonnees>\n    <montant>{montant:.2}</montant>\n    <formePrix>Révisable</formePrix>\n    <considerationsSociales><considerationSociale>{sociale}</considerationSociale></considerationsSociales>\n    <considerationsEnvironnementales><considerationEnvironnementale>Pas de considération environnementale</considerationEnvironnementale></considerationsEnvironnementales>\n    <offresRecues>{offres}</offresRecues>\n    <titulaires>\n      <titulaire><id>{titulaire}</id><typeIdentifiant>SIRET</typeIdentifiant></titulaire>",
                annee = 2025,
                objet = if travaux { "Réhabilitation" } else { "Nettoyage" },
                numero = lot + 1,
                cp = 10_000 + rng.gen_range(0..85_000),
                duree = rng.gen_range(6..48),
                mois = rng.gen_range(1..=12),
                jour = rng.gen_range(1..=28),
                offres = rng.gen_range(1..9),
            )?;
            if rng.gen_bool(0.2) {
                writeln!(w, "      <titulaire><id>{}</id><typeIdentifiant>SIRET</typeIdentifiant></titulaire>", siret(2_000_000 + rng.gen_range(0..entreprises)))?;
            }
            writeln!(w, "    </titulaires>")?;
            if rng.gen_bool(0.15) {
                writeln!(w, "    <actesSousTraitance><acteSousTraitance><id>1</id><sousTraitant><id>{}</id><typeIdentifiant>SIRET</typeIdentifiant></sousTraitant><montant>{}</montant><dureeMois>12</dureeMois></acteSousTraitance></actesSousTraitance>", siret(2_000_000 + rng.gen_range(0..entreprises)), rng.gen_range(5_000..200_000))?;
            }
            if rng.gen_bool(0.2) {
                writeln!(w, "    <modifications><modification><id>1</id><dureeMois>{}</dureeMois><montant>{:.2}</montant><dateNotificationModification>2025-11-02</dateNotificationModification><datePublicationDonneesModification>2025-11-15</datePublicationDonneesModification></modification></modifications>", rng.gen_range(12..60), montant * 1.1)?;
            }
            writeln!(w, "  </marche>")?;
        }
    }
    writeln!(w, "</marches>")?;
    w.flush()?;
    Ok(enregistrements)
}
