// Clausier's browser test: a facilitatrice, by clicking links and buttons and filling
// labelled fields only, creates a donneur d'ordre, an opération, a marché with two lots,
// an entreprise and its attribution, a clause with a computed objective, and places a
// participant on it; then the monthly hours end to end (reminder e-mail, sign-in link,
// grid, certification, validation in one action, send-back, correction, spreadsheet).
// Every page visited is checked by axe-core (no serious or critical
// violation), under the server's Content-Security-Policy (no violation reported), for
// ISO dates in the visible text, and again on a 390-px phone (no page wider than the
// screen). Then the REST API is asked what it now holds.
//
// CLAUSIER_URL: the server (a demo database, `clausier demo --scale small`);
// CHROMIUM: the browser (Debian's /usr/bin/chromium); ARTEFACTS: where screenshots of a
// failure go.

import { chromium } from "playwright-core";
import axe from "axe-core";
import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { getDocument } from "pdfjs-dist/legacy/build/pdf.mjs";

const BASE = process.env.CLAUSIER_URL ?? "http://127.0.0.1:8099";
const ARTEFACTS = process.env.ARTEFACTS ?? new URL("./artefacts", import.meta.url).pathname;
const EMAIL = "facilitateur@demo.clausier.fr";
const MOT_DE_PASSE = "demo-clausier-2026";
const suffixe = Date.now().toString(36).slice(-5).toUpperCase();

/** A SIRET that passes the Luhn check (14 digits). */
function siret() {
  const base = Array.from({ length: 13 }, (_, i) => (i === 0 ? 1 + Math.floor(Math.random() * 8) : Math.floor(Math.random() * 10)));
  for (let d = 0; d < 10; d++) {
    const n = [...base, d];
    const somme = n.reverse().reduce((s, x, i) => s + (i % 2 ? (x * 2 > 9 ? x * 2 - 9 : x * 2) : x), 0);
    if (somme % 10 === 0) return [...base, d].join("");
  }
  throw new Error("SIRET impossible");
}

const visitees = new Set();
const problemes = [];
const cspViolations = [];

async function verifier(page, quoi) {
  const url = page.url();
  visitees.add(new URL(url).pathname + new URL(url).search);
  await page.evaluate(axe.source);
  const resultat = await page.evaluate(() => window.axe.run(document, { resultTypes: ["violations"] }));
  for (const v of resultat.violations.filter((v) => v.impact === "serious" || v.impact === "critical")) {
    problemes.push(`${quoi} (${url}) : axe ${v.impact} ${v.id} — ${v.help} — ${v.nodes.map((n) => n.target.join(" ")).slice(0, 3).join(" | ")}`);
  }
  const texte = await page.locator("body").innerText();
  const iso = texte.match(/\b\d{4}-\d{2}-\d{2}\b/);
  if (iso) problemes.push(`${quoi} (${url}) : date ISO visible « ${iso[0]} »`);
  for (const code of ["embauche_directe", "mise_a_disposition", "donneur_ordre", "non_demarree", "hors_btp"]) {
    if (texte.includes(code)) problemes.push(`${quoi} (${url}) : code brut visible « ${code} »`);
  }
}

/** The field labelled exactly `libelle` (a required field's label ends with « (obligatoire) »). */
function champ(page, libelle) {
  const echappe = libelle.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return page.getByLabel(new RegExp(`^${echappe}( \\(obligatoire\\))?$`));
}

function attendre(condition, message) {
  if (!condition) throw new Error(message);
}

async function suivre(page, nom, quoi) {
  await page.getByRole("link", { name: nom, exact: true }).first().click();
  await page.waitForLoadState("load");
  await verifier(page, quoi);
}

async function soumettre(page, bouton, quoi) {
  await page.getByRole("button", { name: bouton, exact: true }).click();
  await page.waitForLoadState("load");
  await verifier(page, quoi);
}

async function flash(page, attendu) {
  const f = page.locator(".flash");
  const vu = (await f.count()) ? await f.innerText() : null;
  attendre(vu !== null && vu.includes(attendu), `message attendu « ${attendu} », vu « ${vu} » sur ${page.url()}`);
}

async function parcours(page) {
  // Connexion.
  await page.goto(`${BASE}/connexion`);
  await verifier(page, "connexion");
  await champ(page, "Adresse e-mail").fill(EMAIL);
  await champ(page, "Mot de passe").fill(MOT_DE_PASSE);
  await soumettre(page, "Se connecter", "tableau de bord");
  attendre(await page.getByText("Facilitat").first().isVisible(), "le rôle en toutes lettres manque");
  attendre((await page.getByRole("heading", { level: 1 }).innerText()).length > 0, "pas de titre sur l'accueil");

  // Donneur d'ordre.
  const nomDO = `Commune de Test ${suffixe}`;
  await suivre(page, "Donneurs d'ordre", "liste des donneurs d'ordre");
  await suivre(page, "Nouveau donneur d'ordre", "nouveau donneur d'ordre");
  await soumettre(page, "Enregistrer", "donneur d'ordre refusé");
  attendre(await page.getByText("Rien n'a été enregistré.").isVisible(), "le formulaire vide n'annonce pas son refus");
  attendre((await champ(page, "Nom").getAttribute("aria-invalid")) === "true", "le champ Nom vide n'est pas signalé");
  attendre((await page.locator("p.erreur").count()) >= 3, "les erreurs ne sont pas à côté de chaque champ");
  await champ(page, "Nom").fill(nomDO);
  await champ(page, "SIRET").fill(siret());
  await champ(page, "Type").selectOption({ label: "Commune" });
  await champ(page, "Commune").fill("Bordeaux");
  await soumettre(page, "Enregistrer", "fiche du donneur d'ordre");
  await flash(page, "");
  attendre(await page.getByRole("heading", { name: nomDO }).isVisible(), "la fiche du donneur d'ordre n'a pas son nom");

  // Opération.
  const nomOp = `Réhabilitation ${suffixe}`;
  await suivre(page, "Opérations", "liste des opérations");
  await suivre(page, "Nouvelle opération", "nouvelle opération");
  await champ(page, "Donneur d'ordre").selectOption({ label: nomDO });
  await champ(page, "Nom de l'opération").fill(nomOp);
  await champ(page, "Commune").fill("Bordeaux");
  await champ(page, "Secteur").selectOption({ label: "BTP" });
  await champ(page, "Début").fill("2026-01-01");
  await champ(page, "Fin").fill("2027-12-31");
  await soumettre(page, "Créer l'opération", "fiche de l'opération");
  await flash(page, "");

  // Marché with two lots.
  const numero = `M-${suffixe}`;
  await suivre(page, "Marchés", "liste des marchés");
  await suivre(page, "Nouveau marché", "nouveau marché");
  await champ(page, "Opération").selectOption({ label: nomOp });
  await champ(page, "Numéro du marché").fill(numero);
  await champ(page, "Nature").selectOption({ label: "Travaux" });
  await champ(page, "Objet").fill("Réhabilitation de 120 logements");
  await champ(page, "Montant HT (€)").fill("1 200 000");
  await champ(page, "Début d'exécution").fill("2026-02-01");
  await champ(page, "Fin d'exécution").fill("2027-06-30");
  await champ(page, "Lot 1 : numéro").fill("1");
  await champ(page, "Lot 1 : intitulé").fill("Gros œuvre");
  await champ(page, "Lot 1 : montant HT (€)").fill("800 000");
  await champ(page, "Lot 2 : numéro").fill("2");
  await champ(page, "Lot 2 : intitulé").fill("Menuiseries");
  await champ(page, "Lot 2 : montant HT (€)").fill("400 000");
  await soumettre(page, "Créer le marché", "fiche du marché");
  await flash(page, numero);
  attendre(await page.getByText("Gros œuvre").first().isVisible(), "le lot 1 manque sur la fiche du marché");
  attendre(await page.getByText("Menuiseries").first().isVisible(), "le lot 2 manque sur la fiche du marché");
  const urlMarche = page.url();

  // Entreprise, then its attribution on lot 1 from the marché page.
  const raison = `Bâtir ${suffixe}`;
  await suivre(page, "Créer une entreprise", "nouvelle entreprise");
  await champ(page, "Raison sociale").fill(raison);
  attendre((await champ(page, "Identifiée par").inputValue()) === "siret", "une nouvelle entreprise n'est pas identifiée par son SIRET par défaut");
  await champ(page, "SIRET ou identifiant").fill(siret());
  await champ(page, "Type").selectOption({ label: "Entreprise classique" });
  await champ(page, "Commune").fill("Mérignac");
  await soumettre(page, "Enregistrer", "fiche de l'entreprise");
  await flash(page, "");
  await suivre(page, "Marchés", "liste des marchés");
  await champ(page, "Numéro, objet ou opération").fill(numero);
  await soumettre(page, "Rechercher", "recherche d'un marché");
  await suivre(page, numero, "fiche du marché");
  attendre(page.url() === urlMarche, `la recherche mène à ${page.url()} au lieu de ${urlMarche}`);
  await champ(page, "Entreprise").selectOption({ label: raison });
  await champ(page, "Lot").selectOption({ index: 1 });
  await champ(page, "Rôle").selectOption({ label: "Titulaire" });
  await soumettre(page, "Attribuer", "attribution");
  await flash(page, "Attribution");
  attendre(await page.getByRole("link", { name: raison }).first().isVisible(), "l'attributaire n'apparaît pas sur le lot");

  // Clause with a computed objective, previewed before saving.
  await suivre(page, "Ajouter une clause sur ce lot", "nouvelle clause");
  await champ(page, "Mode de calcul de l'objectif").selectOption({ label: "Calculé sur le montant" });
  await champ(page, "Montant HT (€)").fill("800 000");
  await champ(page, "Part de main-d'œuvre (%)").fill("40");
  await champ(page, "Taux d'insertion (%)").fill("5");
  await champ(page, "Coût horaire chargé (€)").fill("32");
  await soumettre(page, "Calculer l'objectif", "aperçu de l'objectif");
  // 800 000 × 40 % × 5 % / 32 = 500 h.
  attendre(await page.getByText("Objectif : 500 h").isVisible(), "l'objectif calculé (500 h) n'est pas montré avant l'enregistrement");
  await soumettre(page, "Créer la clause", "fiche de la clause");
  await flash(page, "Clause créée");
  const clauseId = page.url().match(/\/clauses\/(\d+)/)[1];
  attendre(await page.getByText("500 h").first().isVisible(), "l'objectif manque sur la fiche de la clause");

  // Place a participant.
  await suivre(page, "Placer un participant", "placement : recherche");
  const premier = page.getByRole("link", { name: /^Choisir / }).first();
  const nom = (await premier.innerText()).replace(/^Choisir /, "");
  await champ(page, "Nom, prénom ou commune").fill(nom.split(" ")[0]);
  await soumettre(page, "Rechercher", "placement : résultats");
  await page.getByRole("link", { name: `Choisir ${nom}` }).first().click();
  await page.waitForLoadState("load");
  await verifier(page, "placement : éligibilité et contrat");
  attendre(await page.getByRole("heading", { name: /Éligibilité au/ }).isVisible(), "l'éligibilité n'est pas montrée");
  await champ(page, "Début du contrat").fill("2026-03-02");
  await champ(page, "Fin prévue").fill("2026-08-31");
  await soumettre(page, "Vérifier l'éligibilité à cette date", "placement : éligibilité au 02/03/2026");
  attendre(await page.getByRole("heading", { name: "Éligibilité au 02/03/2026" }).isVisible(), "l'éligibilité n'a pas été recalculée au début choisi");
  await champ(page, "Employeur").selectOption({ label: `${raison} (Entreprise classique, titulaire du lot)` });
  await champ(page, "Modalité").selectOption({ label: "Mise à disposition" });
  await champ(page, "Type de contrat").selectOption({ label: "CDD" });
  await champ(page, "Heures par semaine").fill("35");
  await champ(page, "Poste").fill("Maçon");
  await soumettre(page, "Placer sur la clause", "placement refusé");
  attendre(await page.getByText("ne peut pas mettre de salariés à disposition").first().isVisible(), "le refus de la modalité n'est pas en français");
  attendre((await champ(page, "Poste").inputValue()) === "Maçon", "la saisie est perdue après un refus");
  await champ(page, "Modalité").selectOption({ label: "Embauche directe" });
  await soumettre(page, "Placer sur la clause", "fiche de la clause après placement");
  await flash(page, "Participant placé");
  attendre(await page.getByRole("cell", { name: "Maçon" }).isVisible(), "le contrat n'apparaît pas sur la clause");

  // The person's record and the data held on it (droit d'accès), from the menu.
  await suivre(page, "Participants", "liste des participants");
  const [prenomNom, ...reste] = nom.split(" ");
  await champ(page, "Nom ou prénom").fill(reste.length ? reste.join(" ") : prenomNom);
  await soumettre(page, "Rechercher", "recherche d'un participant");
  await page.locator("tbody a").first().click();
  await page.waitForLoadState("load");
  await verifier(page, "fiche du participant");
  attendre(await page.getByText(/Maçon — CDD chez/).first().isVisible(), "le contrat placé n'apparaît pas sur la fiche du participant");
  await suivre(page, "Données détenues sur la personne (droit d'accès)", "données détenues sur la personne");
  attendre(await page.getByRole("heading", { name: /^Données détenues sur / }).isVisible(), "la page du droit d'accès n'a pas son titre");
  return { clauseId, nom };
}

/** Reads `chemin` of the API as the demo's facilitatrice (what the API then holds). */
async function lireApi(chemin) {
  const r = await fetch(`${BASE}/api/v1/auth/token`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ email: EMAIL, password: MOT_DE_PASSE }) });
  attendre(r.ok, `jeton refusé : ${r.status}`);
  const { token } = await r.json();
  const rep = await fetch(`${BASE}/api/v1${chemin}`, { headers: { authorization: `Bearer ${token}` } });
  attendre(rep.ok, `${chemin} : ${rep.status}`);
  return rep.json();
}

async function parApi(clauseId) {
  const get = lireApi;
  const clause = await get(`/clauses/${clauseId}`);
  attendre(clause.heures_objectif === 500, `l'API donne un objectif de ${clause.heures_objectif} h`);
  const contrats = await get(`/clauses/${clauseId}/contrats`);
  const liste = contrats.items ?? [];
  attendre(liste.length === 1 && liste[0].poste === "Maçon" && liste[0].modalite === "embauche_directe", `l'API ne tient pas le contrat placé : ${JSON.stringify(contrats).slice(0, 300)}`);
}

/** The sign-in link of the last e-mail the server wrote for `adresse` (file transport). */
function lienDuCourriel(adresse) {
  const dossier = process.env.CLAUSIER__MAIL__DIR;
  for (const f of readdirSync(dossier).filter((f) => f.endsWith(".eml"))) {
    const brut = readFileSync(join(dossier, f), "utf8");
    if (!new RegExp(`^To: .*${adresse.replace(/[.]/g, "\\.")}`, "mi").test(brut)) continue;
    // Quoted-printable soft breaks and escapes, and any base64 part, decoded.
    let texte = brut.replace(/=\r?\n/g, "").replace(/=([0-9A-F]{2})/g, (_, h) => String.fromCharCode(parseInt(h, 16)));
    for (const bloc of brut.split(/\r?\n\r?\n/)) {
      if (/^[A-Za-z0-9+/=\r\n]{60,}$/.test(bloc.trim())) texte += Buffer.from(bloc.replace(/\s/g, ""), "base64").toString("utf8");
    }
    const m = texte.match(/\/connexion\/lien\/clsr_[0-9a-f]{64}/);
    if (m) return m[0];
  }
  throw new Error(`aucun e-mail avec un lien de connexion pour ${adresse} dans ${dossier}`);
}

/**
 * The monthly hours end to end: the October reminder (run as the CLI runs it) reaches the
 * company's accountant, whose sign-in link leads to its grid; one line refused, then
 * corrected, certified, declared; the facilitatrice validates two lines in one action and
 * sends one back with a reason; the company sees it, corrects, the facilitatrice
 * validates; the company sends a spreadsheet for a month still open. The API is asked
 * what it holds.
 */
async function heuresDeBoutEnBout(navigateur, fac) {
  execFileSync(process.env.CLAUSIER_BIN, ["jobs", "run", "declaration_reminder", "--at", "2026-11-01T08:00:00"], { stdio: "pipe" });
  const lien = lienDuCourriel("entreprise@demo.clausier.fr");
  const ctx = await navigateur.newContext({ viewport: { width: 1280, height: 900 }, locale: "fr-FR" });
  const p = await ctx.newPage();
  p.setDefaultTimeout(15000);
  await p.goto(`${BASE}${lien}`);
  await verifier(p, "lien de connexion du rappel");
  await soumettre(p, "Continuer vers mes heures à déclarer", "grille d'octobre 2026");
  attendre(await p.getByRole("heading", { name: "Heures d'octobre 2026", level: 1 }).isVisible(), `le lien du rappel mène à ${p.url()}`);
  const travail = p.getByLabel(/^Heures de travail de /);
  attendre((await travail.count()) >= 2, "la grille d'octobre n'a pas les deux contrats de Bâtir");
  const ids = await p.locator("input[name^=travail_]").evaluateAll((es) => es.map((e) => e.name.replace("travail_", "")));
  await travail.nth(0).fill("1e2");
  await travail.nth(1).fill("120");
  await champ(p, "Je certifie l'exactitude des heures déclarées").check();
  await soumettre(p, "Déclarer les heures", "grille refusée");
  attendre(await p.getByText(/« 1e2 » n'est pas un nombre d'heures/).first().isVisible(), "le refus de la ligne n'est pas dit en français");
  attendre((await p.getByLabel(/^Heures de travail de /).nth(1).inputValue()) === "120", "la ligne valide a perdu sa saisie");
  await p.getByLabel(/^Heures de travail de /).nth(0).fill("140,5");
  await champ(p, "Je certifie l'exactitude des heures déclarées").check();
  await soumettre(p, "Déclarer les heures", "grille déclarée");
  attendre(await p.getByText("2 lignes déclarées : le facilitateur les validera.").isVisible(), "la déclaration n'est pas annoncée");

  // The facilitatrice: two lines in one action (one of Bâtir's, one of another company),
  // the other of Bâtir's sent back with its reason.
  await suivre(fac, "Validations", "heures à valider");
  await champ(fac, "Mois").selectOption({ label: "octobre 2026" });
  await soumettre(fac, "Filtrer", "heures d'octobre à valider");
  const autre = await fac.locator("input[name=choix]").evaluateAll((es, ids) => es.map((e) => e.id).find((id) => !ids.some((i) => id === `choix-${i}-2026-10`)), ids);
  attendre(autre, "aucune autre déclaration d'octobre à valider dans la démonstration");
  await fac.locator(`#choix-${ids[0]}-2026-10`).check();
  await fac.locator(`#${autre}`).check();
  await soumettre(fac, "Valider les lignes cochées", "deux lignes validées");
  attendre(await fac.getByText(/^2 mois validé\(s\)/).isVisible(), "la validation groupée n'est pas annoncée");
  await fac.locator(`#motif-${ids[1]}-2026-10`).fill("Planning du chantier : 112 h ce mois-ci");
  await fac.locator(`#mois-${ids[1]}-2026-10 button[value^="renvoyer:"]`).click();
  await fac.waitForLoadState("load");
  await verifier(fac, "ligne renvoyée");
  attendre(await fac.getByText(/^1 mois renvoyé\(s\) pour correction/).isVisible(), "le renvoi n'est pas annoncé");

  // The company sees why, corrects and certifies; the facilitatrice validates.
  await p.goto(`${BASE}/`);
  await verifier(p, "accueil de l'entreprise");
  await p.locator("table a[href='/declarations?mois=2026-10']").click();
  await p.waitForLoadState("load");
  await verifier(p, "grille à corriger");
  attendre(await p.getByText("Motif : Planning du chantier : 112 h ce mois-ci").isVisible(), "le motif du renvoi n'est pas montré à l'entreprise");
  attendre(await p.getByText(/Déclaré avant : 120 h de travail/).isVisible(), "les heures déclarées avant ne sont pas montrées");
  await p.getByLabel(/^Heures de travail de /).first().fill("112");
  await champ(p, "Je certifie l'exactitude des heures déclarées").check();
  await soumettre(p, "Déclarer les heures", "correction déclarée");
  await fac.goto(`${BASE}/validations?mois=2026-10`);
  await fac.locator(`#mois-${ids[1]}-2026-10 button[value^="valider:"]`).click();
  await fac.waitForLoadState("load");
  attendre(await fac.getByText(/^1 mois validé\(s\)/).isVisible(), "la validation de la correction n'est pas annoncée");

  // A spreadsheet, for a month still open: the first month the company's home lists.
  await p.goto(`${BASE}/`);
  await p.locator("table a[href^='/declarations?mois=']").first().click();
  await p.waitForLoadState("load");
  await verifier(p, "grille d'un mois ouvert");
  const premier = await p.locator("input[name^=travail_]").first().getAttribute("name");
  const csv = `\ufeffN° contrat;Salarié;Heures de travail;Heures de formation\r\n${premier.replace("travail_", "")};;98,25;0\r\n`;
  await champ(p, "Grille remplie (.xlsx ou .csv)").setInputFiles({ name: "heures.csv", mimeType: "text/csv", buffer: Buffer.from(csv, "utf8") });
  await soumettre(p, "Envoyer en brouillon", "tableur envoyé");
  attendre(await p.getByText("1 ligne enregistrée en brouillon.").isVisible(), "le tableur envoyé n'est pas annoncé");
  await ctx.close();

  // What the API now holds.
  const r = await fetch(`${BASE}/api/v1/auth/token`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ email: EMAIL, password: MOT_DE_PASSE }) });
  const { token } = await r.json();
  const octobre = await (await fetch(`${BASE}/api/v1/contrats/${ids[1]}/heures/2026-10`, { headers: { authorization: `Bearer ${token}` } })).json();
  attendre(octobre.courante.statut === "validee" && octobre.courante.heures_travail === 112 && octobre.courante.atteste_par_id, `l'API ne tient pas la correction validée : ${JSON.stringify(octobre.courante)}`);
  attendre(octobre.revisions.length === 2, `deux révisions attendues : ${octobre.revisions.length}`);
}

/** The text and page sizes (in points) of a PDF, read by PDF.js. */
async function lirePdf(octets) {
  const doc = await getDocument({ data: new Uint8Array(octets), useSystemFonts: true, isEvalSupported: false }).promise;
  const pages = [];
  for (let i = 1; i <= doc.numPages; i++) {
    const p = await doc.getPage(i);
    const { width, height } = p.getViewport({ scale: 1 });
    const texte = (await p.getTextContent()).items.map((x) => x.str).join(" ");
    pages.push({ width, height, texte });
  }
  return pages;
}

/**
 * A donneur d'ordre, by links only: from its home (its opérations with their progress) to
 * each opération's bilan, in words; a period chosen in French months; one bilan printed
 * to PDF (A4 pages, the report's header, no menu, form or button) and downloaded as
 * XLSX; the API holds the figures the page shows.
 */
async function acheteur(navigateur) {
  const courriel = "donneur-ordre@demo.clausier.fr";
  const ctx = await navigateur.newContext({ viewport: { width: 1280, height: 900 }, locale: "fr-FR", acceptDownloads: true });
  const p = await ctx.newPage();
  p.setDefaultTimeout(15000);
  p.on("console", (m) => {
    if (/Content[- ]Security[- ]Policy/i.test(m.text())) cspViolations.push(`${p.url()} : ${m.text()}`);
  });
  const avant = new Set(visitees);
  await p.goto(`${BASE}/connexion`);
  await champ(p, "Adresse e-mail").fill(courriel);
  await champ(p, "Mot de passe").fill(MOT_DE_PASSE);
  await soumettre(p, "Se connecter", "accueil de l'acheteuse");
  const liens = p.getByRole("link", { name: /^Bilan de l'opération « / });
  const noms = await liens.allInnerTexts();
  attendre(noms.length >= 1, "l'accueil de l'acheteuse ne mène à aucun bilan d'opération");
  attendre((await p.locator("td .statut").count()) >= 1, "l'accueil ne montre pas l'avancement");
  let operationId = null;
  for (const nom of noms) {
    await p.goto(`${BASE}/`);
    await suivre(p, nom, `bilan « ${nom} »`);
    const titre = await p.locator("h1").innerText();
    attendre(titre.startsWith("Bilan de l'opération"), `titre du bilan : ${titre}`);
    const texte = await p.locator("main").innerText();
    for (const code of [" cdd", "de_26_a_49", "moins_26", "niveau_infra4", "infra3", "\nbtp"]) attendre(!texte.includes(code), `code « ${code} » sur ${p.url()}`);
    attendre(/Période\s+depuis le début des clauses jusqu'au \d\d\/\d\d\/\d{4}/.test(texte), `période non dite sur ${p.url()}`);
    operationId = new URL(p.url()).pathname.split("/")[2];
  }
  // A marché of the last opération, by its link; back to the opération.
  const marche = p.getByRole("link", { name: /^Bilan du marché / }).first();
  if (await marche.count()) {
    await marche.click();
    await p.waitForLoadState("load");
    await verifier(p, "bilan d'un marché (acheteuse)");
    await suivre(p, (await p.getByRole("link", { name: /^Bilan de l'opération « / }).first().innerText()), "retour au bilan de l'opération");
  }
  // The year 2026 chosen in the selector, in French months.
  await champ(p, "De (mois)").selectOption({ label: "janvier 2026" });
  await champ(p, "À (mois inclus)").selectOption({ label: "décembre 2026" });
  await soumettre(p, "Afficher la période", "bilan 2026 (acheteuse)");
  attendre((await p.locator("main").innerText()).includes("année 2026 (du 01/01/2026 au 31/12/2026)"), "la période choisie n'est pas dite");
  attendre(await p.getByRole("button", { name: "Imprimer / PDF" }).isVisible(), "pas d'action « Imprimer / PDF »");
  // Printed: A4 pages, the report, nothing of the screen's navigation.
  await p.emulateMedia({ media: "print" });
  const pdf = await p.pdf({ preferCSSPageSize: true, printBackground: true });
  await p.emulateMedia({ media: "screen" });
  mkdirSync(ARTEFACTS, { recursive: true });
  writeFileSync(join(ARTEFACTS, "bilan.pdf"), pdf);
  const pages = await lirePdf(pdf);
  attendre(pages.length >= 1, "PDF vide");
  for (const [i, pg] of pages.entries()) {
    attendre(Math.abs(pg.width - 595.3) < 2 && Math.abs(pg.height - 841.9) < 2, `page ${i + 1} du PDF : ${pg.width} × ${pg.height} pt, pas A4`);
  }
  const tout = pages.map((pg) => pg.texte).join(" ");
  for (const attendu of ["Bilan de l'opération", "Structure", "Période", "année 2026", "Édité le", "Heures par mois"]) attendre(tout.includes(attendu), `« ${attendu} » absent du PDF`);
  for (const interdit of ["Se déconnecter", "Aller au contenu", "Afficher la période", "Télécharger", "Imprimer / PDF", "Opérations", "Voir aussi"]) attendre(!tout.includes(interdit), `« ${interdit} » (écran) dans le PDF`);
  attendre(/Page 1 sur \d+/.test(tout), "pas de numéro de page dans le PDF");
  // Downloaded as XLSX (a zip), and the API holds the page's figure.
  const [telechargement] = await Promise.all([p.waitForEvent("download"), p.getByRole("link", { name: "Télécharger (Excel)" }).click()]);
  attendre(telechargement.suggestedFilename().endsWith(".xlsx"), `fichier ${telechargement.suggestedFilename()}`);
  const xlsx = readFileSync(await telechargement.path());
  attendre(xlsx.length > 1000 && xlsx.subarray(0, 2).toString() === "PK", "le fichier Excel n'est pas un classeur");
  const r = await fetch(`${BASE}/api/v1/auth/token`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ email: courriel, password: MOT_DE_PASSE }) });
  const { token } = await r.json();
  const b = await (await fetch(`${BASE}/api/v1/operations/${operationId}/bilan?du=2026-01-01&au=2026-12-31`, { headers: { authorization: `Bearer ${token}` } })).json();
  const affiche = await p.locator("main p strong").first().innerText();
  const attendu = `${new Intl.NumberFormat("fr-FR", { maximumFractionDigits: 2 }).format(b.heures_retenues).replace(/\u202f/g, "\u00a0")} h`;
  attendre(affiche.replace(/\s/g, " ") === attendu.replace(/\s/g, " "), `la page dit ${affiche}, l'API ${b.heures_retenues} h`);
  // A phone: the buyer's pages at 390 px.
  const siennes = [...visitees].filter((c) => !avant.has(c));
  for (const c of siennes) visitees.delete(c);
  await telephone(navigateur, await ctx.storageState(), ["/", ...siennes]);
  await ctx.close();
}

/** A new browser context logged in as `courriel`, its page watched for CSP reports. */
async function connecter(navigateur, courriel) {
  const ctx = await navigateur.newContext({ viewport: { width: 1280, height: 900 }, locale: "fr-FR" });
  const p = await ctx.newPage();
  p.setDefaultTimeout(15000);
  p.on("console", (m) => {
    if (/Content[- ]Security[- ]Policy/i.test(m.text())) cspViolations.push(`${p.url()} : ${m.text()}`);
  });
  await p.goto(`${BASE}/connexion`);
  await champ(p, "Adresse e-mail").fill(courriel);
  await champ(p, "Mot de passe").fill(MOT_DE_PASSE);
  await p.getByRole("button", { name: "Se connecter", exact: true }).click();
  await p.waitForLoadState("load");
  return { ctx, p };
}

/**
 * The parcours in the browser: a facilitatrice verifies a criterion of a participant who
 * is not eligible and sees the eligibility change; the référent records an étape and a
 * sortie on one of its participants and reads the sortie's category and its explanation.
 */
async function parcoursParticipants(navigateur) {
  // Each person's new pages are checked again on a phone, in that person's session.
  const auTelephone = async (ctx, avant) => {
    const siennes = [...visitees].filter((c) => !avant.has(c));
    for (const c of siennes) visitees.delete(c);
    await telephone(navigateur, await ctx.storageState(), siennes);
  };
  let avant = new Set(visitees);
  const fac = await connecter(navigateur, EMAIL);
  const p = fac.p;
  await verifier(p, "accueil (facilitatrice)");
  await suivre(p, "Participants", "liste des participants");
  await champ(p, "Nom ou prénom").fill("Olivier");
  await soumettre(p, "Rechercher", "recherche d'un participant");
  await p.locator("table tbody a").first().click();
  await p.waitForLoadState("load");
  await verifier(p, "fiche d'un participant");
  attendre((await p.locator("#eligibilite").innerText()).startsWith("Non éligible"), "le participant choisi est déjà éligible");
  await champ(p, "Critère").selectOption({ label: "RSA" });
  await champ(p, "Vérifié le").fill("2026-11-20");
  await champ(p, "Pièce consultée").fill("Attestation CAF");
  await soumettre(p, "Enregistrer le critère", "critère vérifié");
  await flash(p, "Critère « RSA » vérifié.");
  const eligibilite = await p.locator("#eligibilite").innerText();
  attendre(eligibilite.startsWith("Éligible (RSA)"), `éligibilité après vérification : ${eligibilite}`);
  await auTelephone(fac.ctx, avant);
  await fac.ctx.close();
  avant = new Set(visitees);

  const ref = await connecter(navigateur, "referent@demo.clausier.fr");
  const r = ref.p;
  await verifier(r, "accueil de la référente");
  await suivre(r, "Participants", "participants de la référente");
  await r.locator("table tbody a").first().click();
  await r.waitForLoadState("load");
  await verifier(r, "fiche (référente)");
  await champ(r, "Type d'étape").selectOption({ label: "Mobilisation" });
  await champ(r, "Intitulé").fill(`Atelier CV ${suffixe}`);
  await champ(r, "Début").fill("2026-11-02");
  await soumettre(r, "Enregistrer l'étape", "étape enregistrée");
  await flash(r, "Étape « Atelier CV");
  const etape = r.locator("ol.frise li").filter({ hasText: `Atelier CV ${suffixe}` });
  attendre((await etape.count()) === 1 && (await etape.innerText()).includes("Depuis le 02/11/2026"), "l'étape n'apparaît pas dans la frise du parcours");
  await champ(r, "Date de sortie").fill("2026-11-27");
  await champ(r, "Situation à la sortie").selectOption({ label: "CDD" });
  await soumettre(r, "Enregistrer la sortie", "sortie enregistrée");
  await flash(r, "Sortie enregistrée : ");
  const sorties = await r.locator("ul.sorties").innerText();
  attendre(/Sortie (positive|dynamique)|Autre sortie/.test(sorties) && /règle|catégorie par défaut/.test(sorties), `catégorie ou explication absente : ${sorties}`);
  await auTelephone(ref.ctx, avant);
  await ref.ctx.close();
}

/**
 * An administrator, by clicks: invites a référent (a refused address first, typed values
 * kept), then deactivates the demo's référent, whose open session is refused at its next
 * page; reactivates it; reads the change in the audit log.
 */
async function administration(navigateur) {
  const referente = await connecter(navigateur, "referent@demo.clausier.fr");
  await referente.p.goto(`${BASE}/participants`);
  attendre(new URL(referente.p.url()).pathname === "/participants", "la référente n'ouvre pas ses participants");
  const { ctx, p } = await connecter(navigateur, "admin@demo.clausier.fr");
  const avant = new Set(visitees);
  await verifier(p, "accueil de l'administratrice");
  await suivre(p, "Utilisateurs", "liste des utilisateurs");
  await suivre(p, "Inviter une personne", "invitation");
  await champ(p, "Nom et prénom").fill(`Léa Test ${suffixe}`);
  await champ(p, "Adresse e-mail").fill("pas-une-adresse");
  await champ(p, "Rôle").selectOption({ label: "Référent·e de parcours" });
  await soumettre(p, "Envoyer l'invitation", "invitation refusée");
  attendre((await p.locator(".erreur").count()) >= 1, "pas d'erreur à côté du champ");
  attendre((await champ(p, "Nom et prénom").inputValue()) === `Léa Test ${suffixe}`, "le nom tapé est perdu");
  await champ(p, "Adresse e-mail").fill(`lea.${suffixe.toLowerCase()}@demo.clausier.fr`);
  await soumettre(p, "Envoyer l'invitation", "fiche de l'invitée");
  await flash(p, "Invitation envoyée");
  await suivre(p, "Utilisateurs", "liste des utilisateurs");
  await champ(p, "Nom ou adresse e-mail").fill("referent@demo.clausier.fr");
  await soumettre(p, "Rechercher", "recherche d'utilisateur");
  await p.locator("table tbody a").first().click();
  await p.waitForLoadState("load");
  await verifier(p, "fiche de la référente");
  await soumettre(p, "Désactiver le compte", "compte désactivé");
  await flash(p, "est désactivé");
  // Her open session is refused at once: back to the login page.
  await referente.p.goto(`${BASE}/participants`);
  attendre(new URL(referente.p.url()).pathname === "/connexion", `session d'un compte désactivé encore ouverte : ${referente.p.url()}`);
  await soumettre(p, "Réactiver le compte", "compte réactivé");
  await flash(p, "est réactivé");
  await suivre(p, "Journal", "journal des modifications");
  const journal = await p.locator("main").innerText();
  attendre(journal.includes("Désactivation du compte") && journal.includes("Réactivation du compte") && journal.includes("Invitation"), "le journal ne dit pas les changements");
  // The structure's settings: a reminder switched off, thresholds given to every clause.
  await suivre(p, "Réglages", "réglages de la structure");
  await champ(p, "En retard sous (% de l'attendu)").fill("175");
  await soumettre(p, "Enregistrer le suivi des clauses", "réglages refusés");
  attendre((await p.locator(".erreur").count()) >= 1 && (await champ(p, "En retard sous (% de l'attendu)").inputValue()) === "175", "seuil refusé sans message ou valeur tapée perdue");
  await champ(p, "En retard sous (% de l'attendu)").fill("75");
  await champ(p, "Point du trimestre des référents").uncheck();
  await champ(p, "Donner aussi ces seuils à toutes les clauses existantes de la structure").check();
  await soumettre(p, "Enregistrer le suivi des clauses", "réglages enregistrés");
  await flash(p, "Suivi des clauses enregistré ; seuils donnés à");
  const suivi = await lireApi("/parametres/suivi");
  attendre(suivi.avancement.retard === 0.75 && suivi.relances.digest_referent === false && suivi.relances.digest_facilitateur === true, `l'API ne tient pas les réglages : ${JSON.stringify(suivi)}`);
  attendre(!(await champ(p, "Point du trimestre des référents").isChecked()), "la relance décochée revient cochée");
  const siennes = [...visitees].filter((c) => !avant.has(c));
  for (const c of siennes) visitees.delete(c);
  await telephone(navigateur, await ctx.storageState(), ["/", ...siennes]);
  await referente.ctx.close();
  await ctx.close();
}

async function telephone(navigateur, etat, chemins = visitees) {
  const ctx = await navigateur.newContext({ viewport: { width: 390, height: 844 }, storageState: etat });
  const page = await ctx.newPage();
  for (const chemin of [...chemins]) {
    await page.goto(`${BASE}${chemin}`);
    const [large, ecran] = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
    if (large > ecran + 1) problemes.push(`téléphone ${chemin} : page de ${large} px pour un écran de ${ecran} px`);
    await verifier(page, `téléphone ${chemin}`);
  }
  await ctx.close();
}

const navigateur = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
});
const contexte = await navigateur.newContext({ viewport: { width: 1280, height: 900 }, locale: "fr-FR" });
const page = await contexte.newPage();
page.setDefaultTimeout(15000);
page.on("console", (m) => {
  if (/Content[- ]Security[- ]Policy/i.test(m.text())) cspViolations.push(`${page.url()} : ${m.text()}`);
});
let code = 0;
try {
  const { clauseId } = await parcours(page);
  await parApi(clauseId);
  await heuresDeBoutEnBout(navigateur, page);
  await telephone(navigateur, await contexte.storageState());
  await acheteur(navigateur);
  await parcoursParticipants(navigateur);
  await administration(navigateur);
  problemes.push(...cspViolations);
  if (problemes.length) throw new Error(`${problemes.length} problème(s) :\n- ${problemes.join("\n- ")}`);
  console.log(`navigateur : parcours complet, ${visitees.size} pages vérifiées (axe-core, CSP, dates, 390 px) : OK`);
} catch (e) {
  code = 1;
  mkdirSync(ARTEFACTS, { recursive: true });
  const nom = join(ARTEFACTS, "echec.png");
  await page.screenshot({ path: nom, fullPage: true }).catch(() => {});
  writeFileSync(join(ARTEFACTS, "echec.html"), await page.content().catch(() => ""));
  console.error(`ÉCHEC du test navigateur sur ${page.url()} : ${e.message}\n(capture : ${nom})`);
} finally {
  await navigateur.close();
}
process.exit(code);
