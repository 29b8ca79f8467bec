import type { EndpointAddressPolicy, WebhookTransport } from '../../application/ports/webhookTransport.js';

/**
 * Webhooks over fetch: the address policy is asked again right before sending, redirects are not
 * followed (a 3xx is a failed attempt: a redirect could lead past the policy), the answer's body is
 * not read, and the whole exchange is bounded by `timeoutMs`.
 */
export function fetchWebhookTransport(options: { timeoutMs: number; addresses: EndpointAddressPolicy }): WebhookTransport {
  return {
    async post(url, body, headers) {
      const refused = await options.addresses.refusal(new URL(url));
      if (refused) throw new Error(`not sent: ${refused}`);
      let res: Response;
      try {
        res = await fetch(url, { method: 'POST', body, headers, redirect: 'manual', signal: AbortSignal.timeout(options.timeoutMs) });
      } catch (error) {
        const cause = (error as { cause?: { code?: string; message?: string } }).cause;
        const name = (error as Error).name;
        throw new Error(name === 'TimeoutError' ? `no answer within ${options.timeoutMs} ms` : `not reached: ${cause?.code ?? cause?.message ?? (error as Error).message}`,
          { cause: error });
      }
      await res.body?.cancel().catch(() => undefined);
      return { status: res.status };
    },
  };
}
