// Floor dashboard entry: wires the SSE stream to the model and the views, redrawn once per
// animation frame. Bundled by esbuild at gateway start (dashboard/ui-bundle.ts).
import { setupActionDialog } from './action-dialog.ts';
import { renderAlerts, setupAlerts } from './alerts-view.ts';
import { $ } from './dom.ts';
import { refreshEffects, renderDecisions, setupDecisions } from './decisions-view.ts';
import { buildFloor, onWearerOpen, renderDirtyWearers } from './floor-view.ts';
import { refreshGateway, renderDevices } from './health-view.ts';
import { connect, watchStale } from './live.ts';
import { applyAlert, applyDecision, applyDevice, applySnapshot, applyWearer, model } from './model.ts';
import { refreshSession, setupSession, signedOut } from './session-view.ts';
import type { AlertJson, DecisionJson, DeviceStatusJson, FloorSnapshotJson, WearerViewJson } from './types.ts';
import { openWearer, setupWearerDetail } from './wearer-detail.ts';
import { onSite, onSiteGateway, onSiteHealth } from './site-view.ts';

let frame = 0;

function render(): void {
  frame = 0;
  renderDirtyWearers();
  if (model.alertsDirty) renderAlerts();
  model.alertsDirty = false;
  if (model.decisionsDirty) renderDecisions();
  model.decisionsDirty = false;
  if (model.devicesDirty) renderDevices();
  model.devicesDirty = false;
}

function schedule(): void {
  if (!frame) frame = requestAnimationFrame(render);
}

/** Buttons depend on the session: redraw the lists that carry them. */
function sessionChanged(): void {
  document.body.classList.toggle('signed-in', model.session.authenticated);
  model.alertsDirty = true;
  model.decisionsDirty = true;
  schedule();
}

setupActionDialog();
setupAlerts(signedOut);
setupDecisions(signedOut);
setupSession(sessionChanged);
setupWearerDetail();
onWearerOpen((id) => void openWearer(id));

connect(
  {
    snapshot: (d) => {
      const snap = d as FloorSnapshotJson;
      applySnapshot(snap);
      $('site').textContent = snap.site;
      $('gateway').textContent = snap.gateway;
      buildFloor();
      renderAlerts();
      renderDecisions();
      renderDevices();
      void refreshEffects(); // station names are known now
      document.body.dataset['ready'] = 'true';
    },
    wearer: (d) => {
      if (applyWearer(d as WearerViewJson)) schedule();
    },
    alert: (d) => {
      if (applyAlert(d as AlertJson)) schedule();
    },
    decision: (d) => {
      applyDecision(d as DecisionJson);
      schedule();
      void refreshEffects();
    },
    device: (d) => {
      applyDevice(d as DeviceStatusJson);
      schedule();
    },
    site: onSite,
    'site-gateway': onSiteGateway,
    'site-health': onSiteHealth,
  },
  () => void refreshSession(),
);
watchStale();
void refreshSession();
void refreshGateway();
window.setInterval(() => void refreshGateway(), 2000);
window.setInterval(() => void refreshEffects(), 15000);
