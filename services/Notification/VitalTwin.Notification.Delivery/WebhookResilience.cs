using System.Net;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;
using Polly.Timeout;

namespace VitalTwin.Notification.Delivery;

/// <summary>Names one subscription's pipeline in the registry, and in Polly's telemetry as <c>webhook-&lt;name&gt;</c>.</summary>
internal readonly record struct WebhookPipelineKey(string Subscription)
{
    public override string ToString() => $"webhook-{Subscription}";
}

/// <summary>
/// One pipeline per subscription, so one subscriber's open circuit never holds back another. One mechanism per
/// failure mode: the timeout bounds an attempt that hangs; the circuit breaker stops hammering a subscriber
/// that keeps failing and, while open, sets how long the retry waits; the retry alone repeats, without limit,
/// because the record must not be skipped and its offset is stored only after a 2xx.
/// Transient: no answer (connection refused or reset, timeout), 5xx, 408 and 429. Anything else that is not
/// 2xx is the subscriber's final word and is returned to the caller.
/// </summary>
internal static partial class WebhookResilience
{
    /// <summary>Carries the alert id into the retry's log line.</summary>
    public static readonly ResiliencePropertyKey<string> AlertId = new("vitaltwin.alert-id");

    public static void Configure(
        ResiliencePipelineBuilder<HttpResponseMessage> builder,
        string subscription,
        WebhookResilienceOptions options,
        DeliveryMetrics metrics,
        TimeProvider clock,
        ILogger logger)
    {
        builder
            .AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                MaxRetryAttempts = int.MaxValue,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.FirstRetryDelay,
                MaxDelay = options.MaxRetryDelay,
                ShouldHandle = args => ValueTask.FromResult(IsTransient(args.Outcome, forCircuitBreaker: false)),
                DelayGenerator = args => ValueTask.FromResult(DelayAskedFor(args.Outcome, options, clock)),
                OnRetry = args =>
                {
                    metrics.Retried(subscription);
                    args.Context.Properties.TryGetValue(AlertId, out var alertId);
                    LogRetrying(logger, subscription, alertId ?? string.Empty, args.AttemptNumber + 1, Describe(args.Outcome), args.RetryDelay);
                    return default;
                },
            })
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions<HttpResponseMessage>
            {
                FailureRatio = 0.5,
                MinimumThroughput = options.BreakAfterAttempts,
                SamplingDuration = options.FailureSamplingDuration,
                BreakDuration = options.BreakDuration,
                ShouldHandle = args => ValueTask.FromResult(IsTransient(args.Outcome, forCircuitBreaker: true)),
                OnOpened = args =>
                {
                    LogCircuitOpened(logger, subscription, args.BreakDuration, Describe(args.Outcome));
                    return default;
                },
                OnClosed = _ =>
                {
                    LogCircuitClosed(logger, subscription);
                    return default;
                },
            })
            .AddTimeout(options.AttemptTimeout);
    }

    internal static bool IsTransient(Outcome<HttpResponseMessage> outcome, bool forCircuitBreaker) => outcome switch
    {
        // Raised by the breaker itself: the retry waits it out; the breaker must not count its own refusals.
        { Exception: BrokenCircuitException } => !forCircuitBreaker,
        { Exception: HttpRequestException or TimeoutRejectedException or IOException } => true,
        { Result: { } response } => IsTransient(response.StatusCode, forCircuitBreaker),
        _ => false,
    };

    // 429 says "slower", not "broken": it is retried as the subscriber asks but does not open the circuit.
    private static bool IsTransient(HttpStatusCode status, bool forCircuitBreaker) =>
        (int)status >= 500 || status == HttpStatusCode.RequestTimeout || (status == HttpStatusCode.TooManyRequests && !forCircuitBreaker);

    /// <summary>
    /// The wait the other side asked for: an open circuit's time to half-open, or the subscriber's Retry-After
    /// (capped, and never below the first backoff step so that "Retry-After: 0" cannot spin). Null: the backoff decides.
    /// </summary>
    private static TimeSpan? DelayAskedFor(Outcome<HttpResponseMessage> outcome, WebhookResilienceOptions options, TimeProvider clock)
    {
        if (outcome.Exception is BrokenCircuitException { RetryAfter: { } untilHalfOpen })
        {
            return untilHalfOpen;
        }
        if (outcome.Result?.Headers.RetryAfter is { } retryAfter
            && (retryAfter.Delta ?? retryAfter.Date - clock.GetUtcNow()) is { } asked)
        {
            return asked < options.FirstRetryDelay ? options.FirstRetryDelay
                : asked > options.MaxRetryAfter ? options.MaxRetryAfter
                : asked;
        }
        return null;
    }

    private static string Describe(Outcome<HttpResponseMessage> outcome) =>
        outcome.Exception?.GetType().Name ?? $"HTTP {(int)outcome.Result!.StatusCode}";

    [LoggerMessage(Level = LogLevel.Warning, Message = "Delivery of alert {AlertId} to {Subscription} failed ({Failure}); attempt {Attempt}, retrying in {Delay}")]
    private static partial void LogRetrying(ILogger logger, string subscription, string alertId, int attempt, string failure, TimeSpan delay);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Circuit to {Subscription} opened for {BreakDuration}, last failure {Failure}")]
    private static partial void LogCircuitOpened(ILogger logger, string subscription, TimeSpan breakDuration, string failure);

    [LoggerMessage(Level = LogLevel.Information, Message = "Circuit to {Subscription} closed: it accepts deliveries again")]
    private static partial void LogCircuitClosed(ILogger logger, string subscription);
}
