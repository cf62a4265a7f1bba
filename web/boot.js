// Starts the engine's worker as soon as the page loads, in parallel with app.wasm: the
// UI adopts it (window.alabWorker) when it mounts. On a first visit (nothing saved) the
// worker starts the session at once ("?fresh"), without waiting for the UI.
(() => {
  try {
    if (location.pathname.startsWith("/race")) return; // the race starts its own workers
    let fresh = true;
    // A session on the person's images (alab/dataset, see app/ui/session.go) is never a first visit.
    try { fresh = !localStorage.getItem("alab/session") && localStorage.getItem("alab/dataset") !== "images"; } catch (e) {}
    const w = new Worker("/web/worker.js" + (fresh ? "?fresh" : ""));
    window.alabInbox = [];
    w.onmessage = (e) => window.alabInbox.push(e.data);
    w.onerror = (e) => window.alabInbox.push(JSON.stringify({ kind: "error", error: String(e.message || "worker error"), fatal: true }));
    window.alabWorker = w;
    window.alabWorkerFresh = fresh;
  } catch (e) {}
})();
