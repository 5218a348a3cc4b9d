//! The initial schema: the whole data model of domain.md §3, with its keys and indexes.
//! Hours are integer minutes (INTEGER, so that SUM stays a BIGINT on PostgreSQL), money
//! integer cents (BIGINT), ratios integer parts per million, enums text codes.

use sea_orm_migration::prelude::*;

use crate::util::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(n("structures"))
                .col(pk("id"))
                .col(string("nom"))
                .col(json("parametres"))
                .col(timestamp_with_time_zone("created_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("structures", &["nom"]).unique().to_owned()).await?;
        m.create_table(
            Table::create()
                .table(n("entreprises"))
                .col(pk("id"))
                .col(big_integer("structure_id"))
                .col(string("raison_sociale"))
                .col(string("siret"))
                .col(code("type"))
                .col(string_null("adresse"))
                .col(string_null("code_postal"))
                .col(string_null("commune"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .foreign_key(&mut fk("entreprises", "structure_id", "structures"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("entreprises", &["structure_id", "siret"]).unique().to_owned()).await?;
        m.create_index(index("entreprises", &["structure_id", "raison_sociale"]).to_owned()).await?;
        m.create_table(
            Table::create()
                .table(n("donneurs_ordre"))
                .col(pk("id"))
                .col(big_integer("structure_id"))
                .col(string("nom"))
                .col(string("siret"))
                .col(code("type"))
                .col(string_null("adresse"))
                .col(string_null("code_postal"))
                .col(string_null("commune"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .foreign_key(&mut fk("donneurs_ordre", "structure_id", "structures"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("donneurs_ordre", &["structure_id", "siret"]).unique().to_owned()).await?;
        m.create_index(index("donneurs_ordre", &["structure_id", "nom"]).to_owned()).await?;
        m.create_table(
            Table::create()
                .table(n("utilisateurs"))
                .col(pk("id"))
                .col(big_integer("structure_id"))
                .col(string("email"))
                .col(string("nom"))
                .col(code("role"))
                .col(string_null("password_hash"))
                .col(big_integer_null("entreprise_id"))
                .col(big_integer_null("donneur_ordre_id"))
                .col(boolean("actif"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone_null("last_login_at"))
                .foreign_key(&mut fk("utilisateurs", "structure_id", "structures"))
                .foreign_key(&mut fk("utilisateurs", "entreprise_id", "entreprises"))
                .foreign_key(&mut fk("utilisateurs", "donneur_ordre_id", "donneurs_ordre"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("utilisateurs", &["email"]).unique().to_owned()).await?;
        m.create_index(index("utilisateurs", &["structure_id", "role"]).to_owned()).await?;
        m.create_table(
            Table::create()
                .table(n("api_tokens"))
                .col(pk("id"))
                .col(big_integer("structure_id"))
                .col(big_integer("utilisateur_id"))
                .col(string("token_hash"))
                .col(string("label"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone_null("last_used_at"))
                .col(timestamp_with_time_zone_null("expires_at"))
                .col(timestamp_with_time_zone_null("revoked_at"))
                .foreign_key(&mut fk("api_tokens", "structure_id", "structures"))
                .foreign_key(&mut fk("api_tokens", "utilisateur_id", "utilisateurs"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("api_tokens", &["token_hash"]).unique().to_owned()).await?;
        m.create_index(index("api_tokens", &["utilisateur_id"]).to_owned()).await?;
        m.create_table(
            Table::create()
                .table(n("sessions"))
                .col(pk("id"))
                .col(big_integer("structure_id"))
                .col(big_integer("utilisateur_id"))
                .col(string("token_hash"))
                .col(string("csrf_token"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("expires_at"))
                .foreign_key(&mut fk("sessions", "structure_id", "structures"))
                .foreign_key(&mut fk("sessions", "utilisateur_id", "utilisateurs"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("sessions", &["token_hash"]).unique().to_owned()).await?;
        m.create_index(index("sessions", &["utilisateur_id"]).to_owned()).await?;
        m.create_table(
            Table::create()
                .table(n("participants"))
                .col(pk("id"))
                .col(big_integer("structure_id"))
                .col(string("nom"))
                .col(string("prenom"))
                .col(date("date_naissance"))
                .col(code("sexe"))
                .col(string_null("adresse"))
                .col(string_null("code_postal"))
                .col(string("commune"))
                .col(boolean("qpv"))
                .col(string_null("qpv_code"))
                .col(code("niveau_formation"))
                .col(date_null("demandeur_emploi_depuis"))
                .col(boolean("inscrit_france_travail"))
                .col(boolean("beneficiaire_rsa"))
                .col(boolean("beneficiaire_ass"))
                .col(boolean("beneficiaire_aah"))
                .col(boolean("rqth"))
                .col(string_null("telephone"))
                .col(string_null("email"))
                .col(big_integer_null("referent_id"))
                .col(code_null("prescripteur_type"))
                .col(string_null("prescripteur_nom"))
                .col(timestamp_with_time_zone_null("anonymise_at"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .foreign_key(&mut fk("participants", "structure_id", "structures"))
                .foreign_key(&mut fk("participants", "referent_id", "utilisateurs"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("participants", &["structure_id", "nom", "prenom"]).to_owned()).await?;
        m.create_index(index("participants", &["structure_id", "commune"]).to_owned()).await?;
        m.create_index(index("participants", &["referent_id"]).to_owned()).await?;
        m.create_table(
            Table::create()
                .table(n("referent_assignations"))
                .col(pk("id"))
                .col(big_integer("structure_id"))
                .col(big_integer("participant_id"))
                .col(big_integer("referent_id"))
                .col(date("du"))
                .col(date_null("au"))
                .col(big_integer_null("assigne_par_id"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk("referent_assignations", "structure_id", "structures"))
                .foreign_key(&mut fk("referent_assignations", "participant_id", "participants"))
                .foreign_key(&mut fk("referent_assignations", "referent_id", "utilisateurs"))
                .foreign_key(&mut fk("referent_assignations", "assigne_par_id", "utilisateurs"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("referent_assignations", &["participant_id", "du"]).to_owned()).await?;
        m.create_index(index("referent_assignations", &["referent_id"]).to_owned()).await?;
        m.create_table(
            Table::create()
                .table(n("criteres"))
                .col(pk("id"))
                .col(big_integer("structure_id"))
                .col(big_integer("participant_id"))
                .col(code("code"))
                .col(string_null("libelle"))
                .col(string("justificatif"))
                .col(text_null("justification"))
                .col(date("date_verification"))
                .col(big_integer_null("verifie_par_id"))
                .col(date_null("valide_jusqu_au"))
                .col(timestamp_with_time_zone_null("retire_at"))
                .col(big_integer_null("retire_par_id"))
                .col(text_null("motif_retrait"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk("criteres", "structure_id", "structures"))
                .foreign_key(&mut fk("criteres", "participant_id", "participants"))
                .foreign_key(&mut fk("criteres", "verifie_par_id", "utilisateurs"))
                .foreign_key(&mut fk("criteres", "retire_par_id", "utilisateurs"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("criteres", &["participant_id", "date_verification"]).to_owned()).await?;
        m.create_table(
            Table::create()
                .table(n("etapes"))
                .col(pk("id"))
                .col(big_integer("structure_id"))
                .col(big_integer("participant_id"))
                .col(code("type"))
                .col(string_null("sous_type"))
                .col(string("intitule"))
                .col(date("date_debut"))
                .col(date_null("date_fin"))
                .col(text_null("resultat"))
                .col(integer_null("minutes_formation"))
                .col(string_null("certification"))
                .col(boolean("sensible"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .foreign_key(&mut fk("etapes", "structure_id", "structures"))
                .foreign_key(&mut fk("etapes", "participant_id", "participants"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("etapes", &["participant_id", "date_debut"]).to_owned()).await?;
        m.create_table(
            Table::create()
                .table(n("contrats"))
                .col(pk("id"))
                .col(big_integer("structure_id"))
                .col(big_integer("participant_id"))
                .col(big_integer("etape_id"))
                .col(big_integer("employeur_id"))
                .col(code("type_contrat"))
                .col(date("date_debut"))
                .col(date_null("date_fin_prevue"))
                .col(date_null("date_fin_reelle"))
                .col(string_null("motif_fin"))
                .col(integer("minutes_hebdo"))
                .col(string("poste"))
                .col(string_null("code_rome"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .foreign_key(&mut fk("contrats", "structure_id", "structures"))
                .foreign_key(&mut fk("contrats", "participant_id", "participants"))
                .foreign_key(&mut fk("contrats", "etape_id", "etapes"))
                .foreign_key(&mut fk("contrats", "employeur_id", "entreprises"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("contrats", &["etape_id"]).unique().to_owned()).await?;
        m.create_index(index("contrats", &["participant_id", "date_debut"]).to_owned()).await?;
        m.create_index(index("contrats", &["employeur_id"]).to_owned()).await?;
        m.create_index(index("contrats", &["structure_id", "date_debut"]).to_owned()).await?;
        m.create_table(
            Table::create()
                .table(n("heures_mensuelles"))
                .col(pk("id"))
                .col(big_integer("structure_id"))
                .col(big_integer("contrat_id"))
                .col(date("mois"))
                .col(integer("revision"))
                .col(boolean("courante"))
                .col(integer("minutes_travail"))
                .col(integer("minutes_formation"))
                .col(code("statut"))
                .col(text_null("motif"))
                .col(big_integer_null("declare_par_id"))
                .col(timestamp_with_time_zone_null("declare_at"))
                .col(big_integer_null("decide_par_id"))
                .col(timestamp_with_time_zone_null("decide_at"))
                .col(text_null("motif_decision"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk("heures_mensuelles", "structure_id", "structures"))
                .foreign_key(&mut fk("heures_mensuelles", "contrat_id", "contrats"))
                .foreign_key(&mut fk("heures_mensuelles", "declare_par_id", "utilisateurs"))
                .foreign_key(&mut fk("heures_mensuelles", "decide_par_id", "utilisateurs"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("heures_mensuelles", &["contrat_id", "mois", "revision"]).unique().to_owned()).await?;
        m.create_index(index("heures_mensuelles", &["structure_id", "mois"]).to_owned()).await?;
        m.create_index(index("heures_mensuelles", &["structure_id", "statut"]).to_owned()).await?;
        // A partial unique index: same SQL on SQLite and PostgreSQL.
        m.get_connection()
            .execute_unprepared("CREATE UNIQUE INDEX heures_mensuelles_courante_uniq ON heures_mensuelles (contrat_id, mois) WHERE courante")
            .await?;
        m.create_table(
            Table::create()
                .table(n("protocoles"))
                .col(pk("id"))
                .col(big_integer("structure_id"))
                .col(string("nom"))
                .col(integer("version"))
                .col(json("regles"))
                .col(boolean("actif"))
                .col(big_integer_null("cree_par_id"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk("protocoles", "structure_id", "structures"))
                .foreign_key(&mut fk("protocoles", "cree_par_id", "utilisateurs"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("protocoles", &["structure_id", "nom", "version"]).unique().to_owned()).await?;
        m.create_table(
            Table::create()
                .table(n("sorties"))
                .col(pk("id"))
                .col(big_integer("structure_id"))
                .col(big_integer("participant_id"))
                .col(date("date_sortie"))
                .col(string("situation"))
                .col(code("categorie"))
                .col(big_integer_null("protocole_id"))
                .col(json("explication"))
                .col(text_null("commentaire"))
                .col(big_integer_null("enregistre_par_id"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk("sorties", "structure_id", "structures"))
                .foreign_key(&mut fk("sorties", "participant_id", "participants"))
                .foreign_key(&mut fk("sorties", "protocole_id", "protocoles"))
                .foreign_key(&mut fk("sorties", "enregistre_par_id", "utilisateurs"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("sorties", &["participant_id", "date_sortie"]).to_owned()).await?;
        m.create_index(index("sorties", &["structure_id", "date_sortie"]).to_owned()).await?;
        m.create_table(
            Table::create()
                .table(n("suivis_six_mois"))
                .col(pk("id"))
                .col(big_integer("structure_id"))
                .col(big_integer("contrat_id"))
                .col(date("date_echeance"))
                .col(date_null("date_realisation"))
                .col(code_null("situation"))
                .col(text_null("commentaire"))
                .col(big_integer_null("renseigne_par_id"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk("suivis_six_mois", "structure_id", "structures"))
                .foreign_key(&mut fk("suivis_six_mois", "contrat_id", "contrats"))
                .foreign_key(&mut fk("suivis_six_mois", "renseigne_par_id", "utilisateurs"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("suivis_six_mois", &["contrat_id"]).unique().to_owned()).await?;
        m.create_index(index("suivis_six_mois", &["structure_id", "date_echeance"]).to_owned()).await?;
        m.create_table(
            Table::create()
                .table(n("contacts"))
                .col(pk("id"))
                .col(big_integer("structure_id"))
                .col(big_integer_null("entreprise_id"))
                .col(big_integer_null("donneur_ordre_id"))
                .col(string("nom"))
                .col(string_null("prenom"))
                .col(string_null("fonction"))
                .col(string_null("email"))
                .col(string_null("telephone"))
                .col(boolean("recoit_relances"))
                .col(boolean("recoit_bilans"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk("contacts", "structure_id", "structures"))
                .foreign_key(&mut fk("contacts", "entreprise_id", "entreprises"))
                .foreign_key(&mut fk("contacts", "donneur_ordre_id", "donneurs_ordre"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("contacts", &["entreprise_id"]).to_owned()).await?;
        m.create_index(index("contacts", &["donneur_ordre_id"]).to_owned()).await?;
        m.create_table(
            Table::create()
                .table(n("operations"))
                .col(pk("id"))
                .col(big_integer("structure_id"))
                .col(big_integer("donneur_ordre_id"))
                .col(string("nom"))
                .col(string("commune"))
                .col(boolean("qpv"))
                .col(boolean("anru"))
                .col(code("secteur"))
                .col(date_null("date_debut"))
                .col(date_null("date_fin"))
                .col(big_integer_null("facilitateur_id"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .foreign_key(&mut fk("operations", "structure_id", "structures"))
                .foreign_key(&mut fk("operations", "donneur_ordre_id", "donneurs_ordre"))
                .foreign_key(&mut fk("operations", "facilitateur_id", "utilisateurs"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("operations", &["donneur_ordre_id"]).to_owned()).await?;
        m.create_index(index("operations", &["structure_id", "nom"]).to_owned()).await?;
        m.create_table(
            Table::create()
                .table(n("marches"))
                .col(pk("id"))
                .col(big_integer("structure_id"))
                .col(big_integer("operation_id"))
                .col(string("numero"))
                .col(string_null("decp_uid"))
                .col(text("objet"))
                .col(code("nature"))
                .col(string_null("code_cpv"))
                .col(string_null("procedure"))
                .col(big_integer("montant_ht_cents"))
                .col(date_null("date_notification"))
                .col(date("date_debut"))
                .col(date("date_fin"))
                .col(integer_null("duree_mois"))
                .col(string_null("lieu_execution"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .foreign_key(&mut fk("marches", "structure_id", "structures"))
                .foreign_key(&mut fk("marches", "operation_id", "operations"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("marches", &["operation_id", "numero"]).unique().to_owned()).await?;
        m.create_index(index("marches", &["structure_id", "decp_uid"]).unique().to_owned()).await?;
        m.create_index(index("marches", &["operation_id"]).to_owned()).await?;
        m.create_table(
            Table::create()
                .table(n("marche_versions"))
                .col(pk("id"))
                .col(big_integer("structure_id"))
                .col(big_integer("marche_id"))
                .col(integer("version"))
                .col(string("source"))
                .col(json("donnees"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk("marche_versions", "structure_id", "structures"))
                .foreign_key(&mut fk("marche_versions", "marche_id", "marches"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("marche_versions", &["marche_id", "version"]).unique().to_owned()).await?;
        m.create_table(
            Table::create()
                .table(n("lots"))
                .col(pk("id"))
                .col(big_integer("structure_id"))
                .col(big_integer("marche_id"))
                .col(string("numero"))
                .col(string("intitule"))
                .col(big_integer("montant_ht_cents"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk("lots", "structure_id", "structures"))
                .foreign_key(&mut fk("lots", "marche_id", "marches"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("lots", &["marche_id", "numero"]).unique().to_owned()).await?;
        m.create_table(
            Table::create()
                .table(n("clauses"))
                .col(pk("id"))
                .col(big_integer("structure_id"))
                .col(big_integer("lot_id"))
                .col(code("type"))
                .col(code("mode_objectif"))
                .col(integer_null("objectif_minutes"))
                .col(big_integer_null("calcul_montant_ht_cents"))
                .col(integer_null("calcul_part_main_oeuvre_ppm"))
                .col(integer_null("calcul_taux_insertion_ppm"))
                .col(big_integer_null("calcul_cout_horaire_cents"))
                .col(integer_null("pourcentage_heures_ppm"))
                .col(big_integer_null("cents_par_heure"))
                .col(integer_null("objectif_force_minutes"))
                .col(text_null("motif_forcage"))
                .col(boolean("globalisable"))
                .col(big_integer_null("penalite_par_heure_cents"))
                .col(date("date_debut"))
                .col(date("date_fin"))
                .col(json("regles"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .foreign_key(&mut fk("clauses", "structure_id", "structures"))
                .foreign_key(&mut fk("clauses", "lot_id", "lots"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("clauses", &["lot_id"]).to_owned()).await?;
        m.create_index(index("clauses", &["structure_id", "date_fin"]).to_owned()).await?;
        m.create_table(
            Table::create()
                .table(n("attributions"))
                .col(pk("id"))
                .col(big_integer("structure_id"))
                .col(big_integer("marche_id"))
                .col(big_integer("lot_id"))
                .col(big_integer("entreprise_id"))
                .col(code("role"))
                .col(big_integer_null("montant_ht_cents"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk("attributions", "structure_id", "structures"))
                .foreign_key(&mut fk("attributions", "marche_id", "marches"))
                .foreign_key(&mut fk("attributions", "lot_id", "lots"))
                .foreign_key(&mut fk("attributions", "entreprise_id", "entreprises"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("attributions", &["lot_id", "entreprise_id"]).unique().to_owned()).await?;
        m.create_index(index("attributions", &["entreprise_id"]).to_owned()).await?;
        m.create_index(index("attributions", &["marche_id"]).to_owned()).await?;
        m.create_table(
            Table::create()
                .table(n("mises_en_emploi"))
                .col(pk("id"))
                .col(big_integer("structure_id"))
                .col(big_integer("contrat_id"))
                .col(big_integer("clause_id"))
                .col(big_integer("attributaire_id"))
                .col(code("modalite"))
                .col(big_integer_null("valide_par_id"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk("mises_en_emploi", "structure_id", "structures"))
                .foreign_key(&mut fk("mises_en_emploi", "contrat_id", "contrats"))
                .foreign_key(&mut fk("mises_en_emploi", "clause_id", "clauses"))
                .foreign_key(&mut fk("mises_en_emploi", "attributaire_id", "entreprises"))
                .foreign_key(&mut fk("mises_en_emploi", "valide_par_id", "utilisateurs"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("mises_en_emploi", &["contrat_id", "clause_id"]).unique().to_owned()).await?;
        m.create_index(index("mises_en_emploi", &["clause_id"]).to_owned()).await?;
        m.create_index(index("mises_en_emploi", &["attributaire_id"]).to_owned()).await?;
        m.create_table(
            Table::create()
                .table(n("audit_log"))
                .col(pk("id"))
                .col(big_integer("structure_id"))
                .col(big_integer_null("utilisateur_id"))
                .col(string("action"))
                .col(string("entite"))
                .col(big_integer("entite_id"))
                .col(json_null("avant"))
                .col(json_null("apres"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk("audit_log", "structure_id", "structures"))
                .foreign_key(&mut fk("audit_log", "utilisateur_id", "utilisateurs"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("audit_log", &["structure_id", "entite", "entite_id"]).to_owned()).await?;
        m.create_index(index("audit_log", &["structure_id", "created_at"]).to_owned()).await?;
        m.create_table(
            Table::create()
                .table(n("emails"))
                .col(pk("id"))
                .col(big_integer_null("structure_id"))
                .col(string("kind"))
                .col(string("destinataire"))
                .col(string("periode"))
                .col(string("sujet"))
                .col(text("corps_texte"))
                .col(text("corps_html"))
                .col(code("statut"))
                .col(integer("tentatives"))
                .col(timestamp_with_time_zone("prochain_essai_at"))
                .col(text_null("derniere_erreur"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone_null("envoye_at"))
                .foreign_key(&mut fk("emails", "structure_id", "structures"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("emails", &["kind", "destinataire", "periode"]).unique().to_owned()).await?;
        m.create_index(index("emails", &["statut", "prochain_essai_at"]).to_owned()).await?;
        m.create_table(
            Table::create()
                .table(n("job_runs"))
                .col(pk("id"))
                .col(string("job"))
                .col(timestamp_with_time_zone("occurrence_at"))
                .col(code("statut"))
                .col(integer("tentatives"))
                .col(string_null("lease_owner"))
                .col(timestamp_with_time_zone_null("lease_until"))
                .col(timestamp_with_time_zone_null("started_at"))
                .col(timestamp_with_time_zone_null("finished_at"))
                .col(text_null("erreur"))
                .col(json_null("resultat"))
                .col(timestamp_with_time_zone("created_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("job_runs", &["job", "occurrence_at"]).unique().to_owned()).await?;
        m.create_index(index("job_runs", &["statut", "lease_until"]).to_owned()).await?;
        Ok(())
    }

    async fn down(&self, _m: &SchemaManager) -> Result<(), DbErr> {
        Err(DbErr::Migration("migrations are forward-only".into()))
    }
}
