import { lazy, Suspense, useEffect, useState } from "react";
import { BrowserRouter, Navigate, Route, Routes } from "react-router";
import { errorMessage } from "../api/client";
import { coreApi } from "../api/core";
import type { Me } from "../api/types";
import { CallDetailPage } from "../calls/CallDetailPage";
import { CallsPage } from "../calls/CallsPage";
import { CampaignPage } from "../campaigns/CampaignPage";
import { CampaignsPage } from "../campaigns/CampaignsPage";
import { DoNotCallPage } from "../campaigns/DoNotCallPage";
import { AdminLayout } from "../admin/AdminLayout";
import { MembersPage } from "../admin/MembersPage";
import { NumbersPage } from "../admin/NumbersPage";
import { PricesPage } from "../admin/PricesPage";
import { TokensPage } from "../admin/TokensPage";
import { WebhooksPage } from "../admin/WebhooksPage";
import { TrunksPage } from "../admin/TrunksPage";
import { VoiceModelsPage } from "../admin/VoiceModelsPage";
import { WorkspacePage } from "../admin/WorkspacePage";
import { FinancePage } from "../finance/FinancePage";
import { PipelinesPage } from "../pipelines/PipelinesPage";
import { ToastStack } from "../ui/ToastStack";
import { AppShell } from "./AppShell";
import { homePathFor } from "./navigation";
import { RequirePermission } from "./NoAccess";
import { PlaceholderPage } from "./PlaceholderPage";
import { MeContext, PERMISSIONS } from "./session";

const EditorPage = lazy(() => import("../editor/EditorPage"));

function Loading() {
  return (
    <div className="loading" role="status">
      <div className="spinner" aria-label="Loading" />
    </div>
  );
}

export function App() {
  const [me, setMe] = useState<Me | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    coreApi.me().then(setMe, (e: unknown) => setError(errorMessage(e)));
  }, []);
  if (error) {
    return (
      <div className="page">
        <div className="alert alert-error" role="alert">
          {error} <a href="/login/">Sign in</a>
        </div>
      </div>
    );
  }
  if (!me) return <Loading />;
  return (
    <MeContext value={me}>
      <BrowserRouter>
        <Routes>
          <Route element={<AppShell />}>
            <Route index element={<Navigate to={homePathFor(me)} replace />} />
            <Route element={<RequirePermission permission={PERMISSIONS.pipelinesView} />}>
              <Route path="pipelines" element={<PipelinesPage />} />
              <Route
                path="pipelines/:id"
                element={
                  <Suspense fallback={<Loading />}>
                    <EditorPage />
                  </Suspense>
                }
              />
            </Route>
            <Route element={<RequirePermission permission={PERMISSIONS.callsView} />}>
              <Route path="calls" element={<CallsPage />} />
              <Route path="calls/:id" element={<CallDetailPage />} />
              <Route path="campaigns" element={<CampaignsPage />} />
              <Route path="campaigns/do-not-call" element={<DoNotCallPage />} />
              <Route path="campaigns/:id" element={<CampaignPage />} />
            </Route>
            <Route element={<RequirePermission permission={PERMISSIONS.usageView} />}>
              <Route path="finance" element={<FinancePage />} />
            </Route>
            <Route path="administration" element={<AdminLayout />}>
              <Route index element={null} />
              <Route path="trunks" element={<TrunksPage />} />
              <Route path="numbers" element={<NumbersPage />} />
              <Route path="voice-models" element={<VoiceModelsPage />} />
              <Route path="members" element={<MembersPage />} />
              <Route path="webhooks" element={<WebhooksPage />} />
              <Route path="tokens" element={<TokensPage />} />
              <Route path="workspace" element={<WorkspacePage />} />
              <Route path="prices" element={<PricesPage />} />
            </Route>
            <Route path="no-access" element={<PlaceholderPage title="Nothing to show" text="Your role has no sections in this workspace. Ask an admin." />} />
            <Route path="*" element={<PlaceholderPage title="Page not found" text="This address does not match any page." />} />
          </Route>
        </Routes>
      </BrowserRouter>
      <ToastStack />
    </MeContext>
  );
}
