/** Calls: what is happening now (live, over /ws/calls/) and what happened (history with filters). */
import { useCallback, useState } from "react";
import { CallHistory } from "./CallHistory";
import { LiveCalls } from "./LiveCalls";
import { useCallFeed } from "./useCallFeed";
import "./calls.css";

export function CallsPage() {
  const [historyKey, setHistoryKey] = useState(0);
  const reloadHistory = useCallback(() => setHistoryKey((k) => k + 1), []);
  const feed = useCallFeed(reloadHistory);
  return (
    <div className="page">
      <div className="page-header">
        <div>
          <h1>Calls</h1>
          <p>Follow calls as they happen, and open any call for its timeline, transcript, trace and cost.</p>
        </div>
      </div>
      <LiveCalls feed={feed} />
      <CallHistory reloadKey={historyKey} />
    </div>
  );
}
