using System.Net;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Registry;

namespace VitalTwin.Notification.Delivery;

/// <summary>
/// POSTs a record through its subscription's resilience pipeline until the subscriber gives a final answer.
/// The client is this class's own rather than one from IHttpClientFactory, so that a resilience handler added
/// to every factory client (ConfigureHttpClientDefaults) can never stack a second retry on this pipeline.
/// </summary>
internal sealed class WebhookSender : IDisposable
{
    private readonly ResiliencePipelineProvider<WebhookPipelineKey> _pipelines;
    private readonly TimeProvider _clock;
    private readonly HttpClient _client;

    public WebhookSender(ResiliencePipelineProvider<WebhookPipelineKey> pipelines, WebhookHostResolver resolver, TimeProvider clock, ILogger<WebhookSender> logger)
    {
        _pipelines = pipelines;
        _clock = clock;
        _client = new HttpClient(new SocketsHttpHandler
        {
            // Every connection, to whatever address the host name resolves to now, avoids link-local and metadata targets.
            ConnectCallback = (context, cancellationToken) => WebhookTargets.ConnectAsync(resolver, logger, context, cancellationToken),
            // A POST redirected would be replayed as a GET by the handler: a redirect is a configuration error instead.
            AllowAutoRedirect = false,
            // Picks up DNS changes of long-lived subscribers.
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        })
        {
            // The pipeline's timeout bounds each attempt.
            Timeout = Timeout.InfiniteTimeSpan,
        };
    }

    /// <summary>
    /// Returns the subscriber's final status: 2xx (accepted) or a refusal that retrying cannot change; or null when
    /// <paramref name="mayDeliver"/>, asked before every attempt, says no (consent withdrawn while it was retried).
    /// Transient failures never return; only <paramref name="cancellationToken"/> ends them.
    /// </summary>
    public async Task<HttpStatusCode?> SendAsync(WebhookSubscription subscription, WebhookRequest request, Func<bool> mayDeliver, CancellationToken cancellationToken)
    {
        var pipeline = _pipelines.GetPipeline<HttpResponseMessage>(new WebhookPipelineKey(subscription.Name));
        var url = new Uri(subscription.Url, UriKind.Absolute);
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        context.Properties.Set(WebhookResilience.AlertId, request.AlertId);
        try
        {
            using var response = await pipeline.ExecuteAsync(
                static async (context, state) =>
                {
                    if (!state.mayDeliver())
                    {
                        throw new DeliveryWithheldException();
                    }
                    using var message = state.request.ToHttpRequest(state.url, state.clock.GetUtcNow());
                    return await state.client.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, context.CancellationToken);
                },
                context,
                (client: _client, request, url, mayDeliver, clock: _clock));
            return response.StatusCode;
        }
        catch (DeliveryWithheldException)
        {
            return null;
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    public void Dispose() => _client.Dispose();

    /// <summary>Ends the pipeline without a retry: no strategy handles it, so the breaker does not count it as a failure either.</summary>
    private sealed class DeliveryWithheldException : Exception;
}
