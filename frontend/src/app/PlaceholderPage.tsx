import { Link } from "react-router";

export function PlaceholderPage({ title, text }: { title: string; text: string }) {
  return (
    <div className="page">
      <div className="page-header">
        <h1>{title}</h1>
      </div>
      <div className="empty-state">
        <p>{text}</p>
        <Link to="/">Back to the start page</Link>
      </div>
    </div>
  );
}
