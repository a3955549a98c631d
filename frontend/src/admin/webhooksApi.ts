/** Outgoing webhooks: endpoints, their delivery log, redelivery. The signing secret comes back
 * once, when an endpoint is made or its secret is replaced. */
import { api } from "../api/client";
import type * as Api from "../api/schema.gen";

export type WebhookEventType = Api.EventTypeOut;

export type WebhookEndpoint = Api.EndpointOut;

export type WebhookEndpointCreated = Api.EndpointCreatedOut;

export type DeliveryStatus = Api.DeliveryStatus;

export type WebhookDelivery = Api.DeliveryOut;

export type DeliveryPage = Api.DeliveryPage;

export interface EndpointInput {
  url: string;
  events: string[];
  description: string;
}

export const webhooksApi = {
  eventTypes: () => api.get<WebhookEventType[]>("/webhooks/events"),
  endpoints: () => api.get<WebhookEndpoint[]>("/webhooks/endpoints"),
  create: (input: EndpointInput) => api.post<WebhookEndpointCreated>("/webhooks/endpoints", input),
  update: (id: number, input: Partial<EndpointInput> & { enabled?: boolean }) => api.patch<WebhookEndpoint>(`/webhooks/endpoints/${id}`, input),
  remove: (id: number) => api.delete<void>(`/webhooks/endpoints/${id}`),
  rotateSecret: (id: number) => api.post<{ secret: string }>(`/webhooks/endpoints/${id}/secret`),
  deliveries: (id: number) => api.get<DeliveryPage>(`/webhooks/endpoints/${id}/deliveries?limit=50`),
  redeliver: (deliveryId: number) => api.post<WebhookDelivery>(`/webhooks/deliveries/${deliveryId}/redeliver`),
};
