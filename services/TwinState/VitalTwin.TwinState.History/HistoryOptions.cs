using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace VitalTwin.TwinState.History;

/// <summary>Configuration section <c>History</c>: where vitals history lives and how much a query may ask for.</summary>
public sealed class HistoryOptions
{
    public const string SectionName = "History";

    /// <summary>InfluxDB connection; leave <see cref="InfluxOptions.Url"/> empty to keep history in memory.</summary>
    [Required]
    [ValidateObjectMembers]
    public InfluxOptions Influx { get; set; } = new();

    [Required]
    [ValidateObjectMembers]
    public MemoryHistoryOptions Memory { get; set; } = new();

    /// <summary>
    /// Longest a reading waits in a writer's batch (<see cref="HistoryBuffer"/>) before it is written, full or not:
    /// how far history may trail the twin.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00")]
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Longest span one query may cover.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "3660.00:00:00")]
    public TimeSpan MaxQueryRange { get; set; } = TimeSpan.FromDays(400);

    /// <summary>Most points (raw readings or windows, all vitals together) one query may return.</summary>
    [Range(1, 10_000_000)]
    public int MaxPointsPerQuery { get; set; } = 100_000;

    /// <summary>Most LOINC codes one query may name.</summary>
    [Range(1, 1_000)]
    public int MaxVitalsPerQuery { get; set; } = 64;
}

/// <summary>Configuration section <c>History:Influx</c>.</summary>
public sealed class InfluxOptions : IValidatableObject
{
    /// <summary>Base URL of InfluxDB (1.8+, 2.x or 3.x; 1.x older than 1.8 behind a proxy mapping <c>/api/v2/write</c>). Empty selects the in-memory store.</summary>
    public string? Url { get; set; }

    /// <summary>API token (2.x/3.x); mutually exclusive with <see cref="Username"/>/<see cref="Password"/> (1.x).</summary>
    public string? Token { get; set; }

    public string? Username { get; set; }

    public string? Password { get; set; }

    /// <summary>InfluxQL database; with <see cref="RetentionPolicy"/> it also names the write bucket as <c>database/rp</c>.</summary>
    public string? Database { get; set; }

    /// <summary>Retention policy; empty uses the database's default.</summary>
    public string? RetentionPolicy { get; set; }

    /// <summary>Organisation for writes; <c>-</c> is what 1.8+ expects when it has none.</summary>
    [Required]
    public string Organization { get; set; } = "-";

    /// <summary>Most line-protocol lines per HTTP write; InfluxDB recommends about 5,000.</summary>
    [Range(1, 100_000)]
    public int BatchSize { get; set; } = 5_000;

    /// <summary>Timeout of one HTTP request, write or query.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Retries of one batch after a transient failure before <c>WriteAsync</c> gives up.</summary>
    [Range(0, 10_000)]
    public int MaxRetryAttempts { get; set; } = 8;

    /// <summary>First retry delay; later ones grow exponentially with jitter.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "00:10:00")]
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromMilliseconds(500);

    [Range(typeof(TimeSpan), "00:00:00.001", "01:00:00")]
    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromSeconds(30);

    internal bool IsConfigured => !string.IsNullOrWhiteSpace(Url);

    internal string Bucket => string.IsNullOrEmpty(RetentionPolicy) ? Database! : $"{Database}/{RetentionPolicy}";

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!IsConfigured)
        {
            yield break;
        }

        if (!Uri.TryCreate(Url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            yield return new ValidationResult("History:Influx:Url must be an absolute http or https URL.", [nameof(Url)]);
        }
        else if (!string.IsNullOrEmpty(uri.UserInfo))
        {
            yield return new ValidationResult("History:Influx:Url must not carry credentials; use Token or Username/Password.", [nameof(Url)]);
        }

        if (string.IsNullOrWhiteSpace(Database))
        {
            yield return new ValidationResult("History:Influx:Database is required when History:Influx:Url is set.", [nameof(Database)]);
        }

        if (string.IsNullOrEmpty(Token) && string.IsNullOrEmpty(Username))
        {
            // InfluxDB.Client cannot write without credentials; a 1.x server with authentication off ignores them.
            yield return new ValidationResult("History:Influx:Token (2.x/3.x) or History:Influx:Username/Password (1.x) is required when History:Influx:Url is set.", [nameof(Token)]);
        }

        if (!string.IsNullOrEmpty(Token) && (!string.IsNullOrEmpty(Username) || !string.IsNullOrEmpty(Password)))
        {
            yield return new ValidationResult("Set either History:Influx:Token or History:Influx:Username/Password, not both.", [nameof(Token)]);
        }

        if (string.IsNullOrEmpty(Username) && !string.IsNullOrEmpty(Password))
        {
            yield return new ValidationResult("History:Influx:Password needs History:Influx:Username.", [nameof(Password)]);
        }

        if (RetryMaxDelay < RetryBaseDelay)
        {
            yield return new ValidationResult("History:Influx:RetryMaxDelay must not be shorter than RetryBaseDelay.", [nameof(RetryMaxDelay)]);
        }
    }
}

/// <summary>Configuration section <c>History:Memory</c>.</summary>
public sealed class MemoryHistoryOptions
{
    /// <summary>Readings kept per patient and LOINC code; the oldest go first.</summary>
    [Range(1, 10_000_000)]
    public int MaxPointsPerSeries { get; set; } = 20_000;
}

[OptionsValidator]
internal sealed partial class HistoryOptionsValidator : IValidateOptions<HistoryOptions>;
