// Clausier — the few behaviours that need a script (the pages work without it).
// "Imprimer / PDF": the browser's print dialog, which also saves as PDF.
document.querySelectorAll("[data-imprimer]").forEach((bouton) => {
  bouton.hidden = false;
  bouton.addEventListener("click", () => window.print());
});
