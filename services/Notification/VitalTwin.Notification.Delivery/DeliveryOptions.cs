using System.ComponentModel.DataAnnotations;
using VitalTwin.Contracts.Alerting.V1;
using VitalTwin.Notification.Delivery.Fhir;

namespace VitalTwin.Notification.Delivery;

/// <summary>Who receives the alerts topic and how hard delivery tries, bound from the <c>Delivery</c> section.</summary>
public sealed class DeliveryOptions
{
    public const string SectionName = "Delivery";

    /// <summary>The CloudEvents <c>source</c> of every delivery: names this system to the subscriber.</summary>
    [Required]
    public string Source { get; set; } = "urn:vitaltwin:notification";

    /// <summary>One entry per subscriber; none means nothing is delivered.</summary>
    public List<WebhookSubscription> Webhooks { get; set; } = [];

    [Required]
    public WebhookResilienceOptions Resilience { get; set; } = new();

    /// <summary>How the <see cref="WebhookFormat.FhirR4"/> format refers to the patient.</summary>
    [Required]
    public FhirOptions Fhir { get; set; } = new();
}

public enum WebhookFormat
{
    /// <summary>The Protobuf JSON rendering of the alert record, <c>application/json</c>.</summary>
    Json,

    /// <summary>A FHIR R4 transaction Bundle (DetectedIssue, Flag, Communication), <c>application/fhir+json</c>.</summary>
    FhirR4,
}

public sealed class WebhookSubscription
{
    /// <summary>Names the subscriber in logs, metrics and its consumer group, so it must stay the same across restarts.</summary>
    [Required]
    [RegularExpression("^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$", ErrorMessage = "Name must be 1-63 letters, digits, '.', '_' or '-', starting with a letter or digit.")]
    public string Name { get; set; } = string.Empty;

    /// <summary>Absolute URL the records are POSTed to: https outside Development, never link-local or a cloud metadata service.</summary>
    [Required]
    public string Url { get; set; } = string.Empty;

    public WebhookFormat Format { get; set; } = WebhookFormat.Json;

    /// <summary>Alerts below this priority (and their lifecycle events) are not sent to this subscriber; unset sends all.</summary>
    public AlertPriority? MinPriority { get; set; }

    /// <summary>
    /// When set, every POST carries an HMAC-SHA256 signature keyed with its UTF-8 bytes (<see cref="DeliveryHeaders.Signature"/>).
    /// Required outside Development, as base64 of at least 32 random bytes.
    /// </summary>
    [MinLength(16, ErrorMessage = "Secret must be at least 16 characters.")]
    public string? Secret { get; set; }
}

/// <summary>
/// Transient failures are retried for as long as the process runs, so these bound how often, not how long.
/// The defaults suit a hospital integration engine; tests shorten them.
/// </summary>
public sealed class WebhookResilienceOptions
{
    [Range(typeof(TimeSpan), "00:00:00.001", "00:10:00")]
    public TimeSpan FirstRetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Cap of the exponential backoff.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "01:00:00")]
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>A subscriber's <c>Retry-After</c> is honoured up to this long.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan MaxRetryAfter { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How long one POST may take before it counts as failed and is retried.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:05:00")]
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The circuit opens when at least this many attempts in <see cref="FailureSamplingDuration"/> were made and half failed.</summary>
    [Range(2, 10_000)]
    public int BreakAfterAttempts { get; set; } = 5;

    [Range(typeof(TimeSpan), "00:00:00.500", "01:00:00")]
    public TimeSpan FailureSamplingDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long an open circuit sends nothing before one trial POST.</summary>
    [Range(typeof(TimeSpan), "00:00:00.500", "01:00:00")]
    public TimeSpan BreakDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a subscription's consumer that stopped on an error waits before it starts again.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "00:10:00")]
    public TimeSpan ConsumerRestartDelay { get; set; } = TimeSpan.FromSeconds(5);
}
