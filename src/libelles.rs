//! The French label of every enumeration code, in one table: pages (the `libelle`
//! filter), exports and e-mails read their words here, never the snake_case code.

/// `(kind, [(code, label)])`. A kind is the enumeration's name as templates write it.
const TABLE: &[(&str, &[(&str, &str)])] = &[
    ("role", &[
        ("admin", "Administrateur·rice"),
        ("facilitateur", "Facilitateur·rice"),
        ("referent", "Référent·e de parcours"),
        ("entreprise", "Entreprise"),
        ("donneur_ordre", "Donneur d'ordre"),
    ]),
    ("sexe", &[("F", "Femme"), ("M", "Homme")]),
    ("niveau_formation", &[
        ("infra3", "Infra 3 (sans diplôme)"),
        ("3", "Niveau 3 (CAP, BEP)"),
        ("4", "Niveau 4 (bac)"),
        ("5", "Niveau 5 (bac + 2)"),
        ("6+", "Niveau 6 et plus (licence et au-delà)"),
    ]),
    ("critere", &[
        ("deld", "Demandeur d'emploi de longue durée"),
        ("rsa", "RSA"),
        ("ass", "ASS"),
        ("aah", "AAH"),
        ("jeune_peu_qualifie", "Jeune peu qualifié"),
        ("th", "Travailleur handicapé (RQTH)"),
        ("senior", "Senior (50 ans et plus)"),
        ("iae", "Parcours IAE"),
        ("plie", "Parcours PLIE"),
        ("accompagnement_jeune", "Accompagnement jeune (CEJ, E2C, EPIDE)"),
        ("qpv", "Résident QPV"),
        ("zrr", "Résident ZRR"),
        ("bpi", "Protection internationale"),
        ("autre", "Autre critère"),
    ]),
    ("type_etape", &[
        ("accueil_diagnostic", "Accueil et diagnostic"),
        ("mobilisation", "Mobilisation"),
        ("levee_freins", "Levée de freins"),
        ("formation", "Formation"),
        ("emploi", "Emploi"),
        ("creation_entreprise", "Création d'entreprise"),
    ]),
    // The précision of an étape: a levée de freins' frein, a formation's kind.
    ("sous_type_etape", &[
        ("logement", "Frein : logement"),
        ("sante", "Frein : santé"),
        ("mobilite", "Frein : mobilité"),
        ("garde", "Frein : garde d'enfants"),
        ("budget", "Frein : budget"),
        ("justice", "Frein : justice"),
        ("qualifiante", "Formation qualifiante"),
        ("non_qualifiante", "Formation non qualifiante"),
    ]),
    ("type_identifiant", &[
        ("siret", "SIRET"),
        ("tva", "TVA intracommunautaire"),
        ("hors_ue", "Identifiant hors UE"),
        ("tahiti", "N° TAHITI"),
        ("ridet", "N° RIDET"),
        ("frwf", "N° FRWF"),
        ("irep", "N° IREP"),
    ]),
    ("type_contrat", &[
        ("cdi", "CDI"),
        ("cdd", "CDD"),
        ("interim", "Intérim"),
        ("mission_etti", "Mission d'ETTI"),
        ("mise_a_disposition_ai", "Mise à disposition (AI)"),
        ("cddi", "CDDI"),
        ("contrat_pro", "Contrat de professionnalisation"),
        ("apprentissage", "Apprentissage"),
        ("pec", "Parcours emploi compétences"),
        ("cdd_usage", "CDD d'usage"),
        ("formation", "Période de formation rémunérée"),
    ]),
    ("statut_declaration", &[
        ("brouillon", "Brouillon"),
        ("declaree", "Déclarée"),
        ("validee", "Validée"),
        ("a_corriger", "À corriger"),
    ]),
    ("categorie_sortie", &[
        ("positive_emploi", "Sortie positive : emploi"),
        ("positive_formation", "Sortie positive : formation"),
        ("dynamique", "Sortie dynamique"),
        ("autre", "Autre sortie"),
    ]),
    ("situation_sortie", &[
        ("cdi", "CDI"),
        ("cdd", "CDD"),
        ("interim", "Intérim"),
        ("alternance", "Alternance"),
        ("contrat_aide", "Contrat aidé"),
        ("cddi", "CDDI (insertion)"),
        ("creation_entreprise", "Création d'entreprise"),
        ("formation_qualifiante", "Formation qualifiante"),
        ("formation", "Formation"),
        ("emploi", "Autre emploi"),
        ("recherche_emploi", "Recherche d'emploi"),
        ("levee_freins", "Levée de freins"),
        ("abandon", "Abandon"),
        ("demenagement", "Déménagement"),
        ("reorientation", "Réorientation"),
        ("sante", "Raisons de santé"),
        ("autre", "Autre"),
    ]),
    ("regle_protocole", &[
        ("cdi_heures_hebdo", "CDI : heures par semaine"),
        ("cdd_mois", "CDD chez le même employeur : durée en mois"),
        ("interim_continu_mois", "Intérim sans interruption : mois"),
        ("interim_heures", "Intérim : heures sur la fenêtre"),
        ("interim_fenetre_mois", "Intérim : fenêtre (mois)"),
        ("successifs_semaines", "Contrats successifs : semaines en emploi"),
        ("successifs_heures", "Contrats successifs : heures"),
        ("successifs_fenetre_mois", "Contrats successifs : fenêtre (mois)"),
        ("alternance_mois", "Alternance : mois"),
        ("creation_entreprise_mois", "Création d'entreprise : mois"),
        ("contrat_aide_mois", "Contrat aidé : mois"),
        ("cddi_mois", "CDDI : mois"),
        ("formation_qualifiante_heures", "Formation qualifiante : heures"),
    ]),
    ("situation_suivi", &[
        ("emploi_durable", "Emploi durable"),
        ("emploi_transition", "Emploi de transition"),
        ("formation", "Formation"),
        ("recherche", "En recherche"),
        ("inconnu", "Inconnue"),
    ]),
    ("type_prescripteur", &[
        ("france_travail", "France Travail"),
        ("mission_locale", "Mission locale"),
        ("cap_emploi", "Cap emploi"),
        ("departement", "Conseil départemental"),
        ("ccas", "CCAS"),
        ("plie", "PLIE"),
        ("siae", "SIAE"),
        ("association", "Association"),
        ("spip", "SPIP"),
        ("structure_sante", "Structure de santé"),
        ("autre", "Autre"),
    ]),
    ("type_donneur_ordre", &[
        ("commune", "Commune"),
        ("epci", "Intercommunalité (EPCI)"),
        ("departement", "Département"),
        ("region", "Région"),
        ("etat", "État"),
        ("etablissement_public", "Établissement public"),
        ("bailleur_social", "Bailleur social"),
        ("sem", "Société d'économie mixte"),
        ("prive", "Acheteur privé"),
    ]),
    ("secteur", &[("btp", "BTP"), ("hors_btp", "Hors BTP")]),
    ("nature_marche", &[("travaux", "Travaux"), ("services", "Services"), ("fournitures", "Fournitures")]),
    ("type_clause", &[
        ("execution", "Condition d'exécution"),
        ("attribution", "Critère d'attribution"),
        ("reserve_siae", "Marché réservé aux SIAE"),
        ("reserve_handicap", "Marché réservé (EA, ESAT)"),
        ("marche_insertion", "Marché d'insertion"),
    ]),
    ("mode_objectif", &[
        ("heures", "Nombre d'heures fixé"),
        ("calcul", "Calculé sur le montant"),
        ("pourcentage_heures", "Part des heures travaillées"),
        ("heures_par_euro", "Heures par euro facturé"),
    ]),
    ("type_entreprise", &[
        ("classique", "Entreprise classique"),
        ("ei", "Entreprise d'insertion (EI)"),
        ("etti", "Entreprise de travail temporaire d'insertion (ETTI)"),
        ("aci", "Atelier et chantier d'insertion (ACI)"),
        ("ai", "Association intermédiaire (AI)"),
        ("eiti", "Entreprise d'insertion par le travail indépendant (EITI)"),
        ("geiq", "GEIQ"),
        ("ea", "Entreprise adaptée (EA)"),
        ("esat", "ESAT"),
        ("ett", "Entreprise de travail temporaire (ETT)"),
        ("organisme_formation", "Organisme de formation"),
    ]),
    ("role_attribution", &[("titulaire", "Titulaire"), ("cotraitant", "Cotraitant"), ("soustraitant", "Sous-traitant")]),
    ("modalite", &[
        ("embauche_directe", "Embauche directe"),
        ("mise_a_disposition", "Mise à disposition"),
        ("sous_traitance", "Sous-traitance"),
        ("cotraitance", "Cotraitance"),
        ("formation", "Formation"),
    ]),
    ("statut_envoi", &[("en_attente", "En attente"), ("envoye", "Envoyé"), ("echec", "En échec"), ("abandonne", "Abandonné")]),
    ("statut_avancement", &[
        ("non_demarree", "Non démarrée"),
        ("critique", "Critique"),
        ("en_retard", "En retard"),
        ("conforme", "Conforme"),
        ("en_avance", "En avance"),
        ("atteinte", "Objectif atteint"),
    ]),
    ("public", &[
        ("femmes", "Femmes"),
        ("hommes", "Hommes"),
        ("moins_26", "Moins de 26 ans"),
        ("de_26_a_49", "26 à 49 ans"),
        ("plus_50", "50 ans et plus"),
        ("qpv", "Résidents QPV"),
        ("niveau_infra4", "Niveau 3 (CAP, BEP) et infra"),
        ("rqth", "RQTH"),
    ]),
    ("perimetre", &[
        ("operation", "Opération"),
        ("marche", "Marché"),
        ("clause", "Clause"),
        ("donneur_ordre", "Donneur d'ordre"),
        ("entreprise", "Entreprise"),
        ("portefeuille", "Portefeuille"),
        ("structure", "Structure"),
    ]),
    ("action_audit", &[
        ("creation", "Création"),
        ("modification", "Modification"),
        ("suppression", "Suppression"),
        ("invitation", "Invitation"),
        ("invitation_renvoyee", "Invitation renvoyée"),
        ("desactivation", "Désactivation du compte"),
        ("reactivation", "Réactivation du compte"),
        ("changement_role", "Changement de rôle"),
        ("revocation_jetons", "Révocation des jetons d'API"),
        ("mot_de_passe", "Changement de mot de passe"),
        ("reinitialisation_demandee", "Nouveau mot de passe demandé"),
        ("parametres", "Réglages modifiés"),
        ("verification", "Vérification"),
        ("retrait", "Retrait"),
        ("changement_referent", "Changement de référent"),
        ("anonymisation", "Anonymisation"),
        ("export_rgpd", "Export des données (droit d'accès)"),
        ("mise_en_emploi", "Mise en emploi"),
        ("fin", "Fin de contrat"),
        ("suivi", "Suivi à six mois"),
        ("declaration", "Déclaration d'heures"),
        ("correction", "Correction d'heures validées"),
        ("validation", "Validation d'heures"),
        ("renvoi_a_corriger", "Heures renvoyées pour correction"),
        ("import_decp", "Import DECP"),
        ("regroupement", "Regroupement de marchés"),
        ("ajout_lot", "Ajout d'un lot"),
        ("renvoi", "Renvoi d'e-mail"),
    ]),
    ("entite_audit", &[
        ("utilisateur", "Utilisateur"),
        ("participant", "Participant"),
        ("critere", "Critère"),
        ("etape", "Étape"),
        ("sortie", "Sortie"),
        ("contrat", "Contrat"),
        ("heures", "Heures mensuelles"),
        ("donneur_ordre", "Donneur d'ordre"),
        ("entreprise", "Entreprise"),
        ("contact", "Contact"),
        ("operation", "Opération"),
        ("marche", "Marché"),
        ("attribution", "Attribution"),
        ("clause", "Clause"),
        ("protocole", "Protocole de sortie"),
        ("structure", "Structure"),
        ("emails", "E-mails"),
    ]),
    ("motif_non_retenu", &[
        ("non_eligible", "Personne non éligible"),
        ("hors_periode", "Hors période de la clause"),
        ("plafond", "Au-delà du plafond"),
        ("formation_exclue", "Formation non comptée"),
        ("coefficient", "Coefficient"),
    ]),
];

/// The label of `code` in the enumeration `kind`, if both are known.
pub fn libelle(kind: &str, code: &str) -> Option<&'static str> {
    TABLE.iter().find(|(k, _)| *k == kind)?.1.iter().find(|(c, _)| *c == code).map(|(_, l)| *l)
}

/// The label of an enumeration value (its serde code looked up in `kind`); the code
/// itself only if the table misses it (a test forbids that).
pub fn de<T: serde::Serialize>(kind: &str, value: T) -> String {
    let code = crate::text::code(value);
    libelle(kind, &code).map(str::to_string).unwrap_or(code)
}

/// The label of a code read as text (a bilan's breakdown key), the text itself when the
/// kind has no such code (a métier is already words).
pub fn ou_texte(kind: &str, code: &str) -> String {
    libelle(kind, code).map(str::to_string).unwrap_or_else(|| code.to_string())
}

/// A bilan's public row: a public (sex, age, QPV, level) or an eligibility criterion.
pub fn public(code: &str) -> String {
    libelle("public", code).or_else(|| libelle("critere", code)).map(str::to_string).unwrap_or_else(|| code.to_string())
}

/// Every `(code, label)` of a kind, in the table's order: the options of a form's select.
pub fn options(kind: &str) -> &'static [(&'static str, &'static str)] {
    TABLE.iter().find(|(k, _)| *k == kind).map(|(_, o)| *o).unwrap_or(&[])
}

/// The kinds of the table (tests).
pub fn kinds() -> impl Iterator<Item = &'static str> {
    TABLE.iter().map(|(k, _)| *k)
}

#[cfg(test)]
mod tests {
    use entities::enums::*;
    use sea_orm::Iterable;

    fn every<T: Iterable + serde::Serialize>(kind: &str) {
        for v in T::iter() {
            let code = crate::text::code(v);
            assert!(super::libelle(kind, &code).is_some(), "{kind}: no label for {code}");
        }
    }

    #[test]
    fn every_enumeration_value_has_its_label() {
        every::<Role>("role");
        every::<TypeIdentifiant>("type_identifiant");
        every::<Sexe>("sexe");
        every::<NiveauFormation>("niveau_formation");
        every::<CodeCritere>("critere");
        every::<TypeEtape>("type_etape");
        every::<TypeContrat>("type_contrat");
        every::<StatutDeclaration>("statut_declaration");
        every::<CategorieSortie>("categorie_sortie");
        every::<SituationSuivi>("situation_suivi");
        every::<TypePrescripteur>("type_prescripteur");
        every::<TypeDonneurOrdre>("type_donneur_ordre");
        every::<Secteur>("secteur");
        every::<NatureMarche>("nature_marche");
        every::<TypeClause>("type_clause");
        every::<ModeObjectif>("mode_objectif");
        every::<TypeEntreprise>("type_entreprise");
        every::<RoleAttribution>("role_attribution");
        every::<Modalite>("modalite");
        every::<StatutEnvoi>("statut_envoi");
        use crate::comptage::StatutAvancement as S;
        for s in [S::NonDemarree, S::Critique, S::EnRetard, S::Conforme, S::EnAvance, S::Atteinte] {
            assert!(super::libelle("statut_avancement", &crate::text::code(s)).is_some());
        }
        assert_eq!(super::de("modalite", Modalite::EmbaucheDirecte), "Embauche directe");
        assert_eq!(super::libelle("public", "de_26_a_49"), Some("26 à 49 ans"));
    }
}
