"""The bilans' XML exports against their schema (src/bilans/export/bilan.xsd), from a
running server: every perimeter as the administrator, and the opérations of a donneur
d'ordre as that buyer (masked counts and hours). Also checks the labels are words, the
codes attributes. Usage: xsd.py URL ADMIN_JETON ACHETEUR_JETON"""
import json
import sys
import urllib.request

import xmlschema

url, admin, acheteur = sys.argv[1:4]
schema = xmlschema.XMLSchema(sys.argv[4])
NS = "{urn:clausier:bilan:1}"


def get(chemin, jeton):
    req = urllib.request.Request(url + chemin, headers={"Authorization": "Bearer " + jeton})
    return urllib.request.urlopen(req).read()


def items(chemin, jeton):
    corps = json.loads(get(chemin, jeton))
    return corps["items"] if isinstance(corps, dict) else corps


chemins = ["/api/v1/bilan", "/api/v1/bilan?du=2025-01-01&au=2025-12-31"]
for r in ["operations", "marches", "clauses", "donneurs-ordre", "entreprises"]:
    chemins += [f"/api/v1/{r}/{x['id']}/bilan" for x in items(f"/api/v1/{r}", admin)[:3]]
vus = 0
for jeton, liste in [(admin, chemins), (acheteur, [f"/api/v1/operations/{o['id']}/bilan" for o in items("/api/v1/operations", acheteur)])]:
    for chemin in liste:
        sep = "&" if "?" in chemin else "?"
        xml = get(chemin + sep + "format=xml", jeton)
        erreurs = list(schema.iter_errors(xml))
        if erreurs:
            sys.exit(f"{chemin} : le XML ne suit pas bilan.xsd : {erreurs[0]}")
        vus += 1
    print(f"{len(liste)} export(s) XML conformes")
# Words, not codes: a contract type line says « CDD » and keeps « cdd » as its code.
import xml.etree.ElementTree as ET
racine = ET.fromstring(get("/api/v1/bilan?format=xml", admin))
lignes = [l for v in racine.iter(NS + "ventilation") if v.get("nom") == "par_type_contrat" for l in v.iter(NS + "ligne")]
assert lignes, "aucune ligne par type de contrat"
for l in lignes:
    assert l.text and l.text.strip() and l.text != l.get("cle"), f"ligne sans libellé : {ET.tostring(l)}"
print(f"bilan.xsd : {vus} exports valides ; libellés en mots, codes en attributs")
