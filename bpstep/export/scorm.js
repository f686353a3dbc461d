// SCORM 1.2 glue for the bpstep practice page: finds the LMS's API object, and each time a value
// is marked reports the values accepted so far (cmi.core.score.raw of .max, .min 0) and the
// status: incomplete while values are left, then passed when every value asked is accepted,
// else failed; each report is committed, with the lines typed (cmi.suspend_data) so a student
// who comes back goes on where they stopped. Without an LMS (the page opened alone) it does
// nothing.
(function () {
  "use strict";
  function findApi(win) {
    for (var depth = 0; win && depth < 10; depth++) {
      try { if (win.API) return win.API; } catch (e) { return null; }  // another origin
      if (win.parent === win) break;
      win = win.parent;
    }
    return null;
  }
  var SUSPEND_LIMIT = 4096;  // characters SCORM 1.2 keeps of cmi.suspend_data
  var api = findApi(window) || (window.opener ? findApi(window.opener) : null);
  if (!api) return;
  var started = String(api.LMSInitialize("")) === "true";
  if (!started) return;
  var finished = false;
  try {  // a session left unfinished: the page types its lines again
    var kept = String(api.LMSGetValue("cmi.suspend_data") || "");
    if (kept) window.bpstepResume = JSON.parse(kept);
  } catch (e) { window.bpstepResume = null; }
  window.bpstepReport = function (score) {
    if (finished) return;
    if (score.resume.length <= SUSPEND_LIMIT) api.LMSSetValue("cmi.suspend_data", score.resume);
    api.LMSSetValue("cmi.core.exit", score.done ? "" : "suspend");
    api.LMSSetValue("cmi.core.score.min", "0");
    api.LMSSetValue("cmi.core.score.max", String(score.max));
    api.LMSSetValue("cmi.core.score.raw", String(score.raw));
    api.LMSSetValue("cmi.core.lesson_status", !score.done ? "incomplete"
      : score.raw === score.max ? "passed" : "failed");
    api.LMSCommit("");
  };
  function finish() {
    if (finished) return;
    finished = true;
    api.LMSFinish("");
  }
  window.addEventListener("pagehide", finish);
  window.addEventListener("beforeunload", finish);
})();
