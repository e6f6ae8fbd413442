using System.Net.Sockets;
using InfluxDB.Client.Core.Exceptions;
using Polly;
using Polly.Retry;

namespace VitalTwin.TwinState.History;

/// <summary>
/// The one resilience mechanism around InfluxDB writes: retry with exponential backoff and jitter on
/// failures that a later attempt can cure. WriteApiAsync does not retry by itself, so nothing is stacked.
/// </summary>
internal static class InfluxWriteResilience
{
    public const string PipelineName = "VitalTwin.History.InfluxWrite";

    public static void Configure(ResiliencePipelineBuilder builder, InfluxOptions influx) =>
        builder.AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = args => ValueTask.FromResult(
                args.Outcome.Exception is { } e && IsTransient(e, args.Context.CancellationToken)),
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            MaxRetryAttempts = influx.MaxRetryAttempts,
            Delay = influx.RetryBaseDelay,
            MaxDelay = influx.RetryMaxDelay,
            DelayGenerator = args => ValueTask.FromResult(
                args.Outcome.Exception is HttpException { RetryAfter: > 0 and var seconds }
                    ? TimeSpan.FromSeconds(Math.Min(seconds, influx.RetryMaxDelay.TotalSeconds))
                    : (TimeSpan?)null),
        });

    /// <summary>Whether a later attempt of the same write may succeed.</summary>
    public static bool IsTransient(Exception exception, CancellationToken callerToken)
    {
        if (callerToken.IsCancellationRequested)
        {
            return false;
        }

        return exception switch
        {
            // Status 0: no response at all (refused, reset, timed out).
            HttpException http => http.Status is 0 or 408 or 429 or 500 or 502 or 503 or 504,
            HttpRequestException or IOException or SocketException or TimeoutException => true,
            // Cancellation the caller did not ask for is the client's request timeout.
            OperationCanceledException => true,
            InfluxException { InnerException: { } inner } => IsTransient(inner, callerToken),
            _ => false,
        };
    }
}
