using System.ComponentModel.DataAnnotations;

namespace VitalTwin.Export;

/// <summary>Configuration section <c>Export</c>. The key is a secret: it is never logged, printed or written to the dataset.</summary>
internal sealed class ExportOptions : IValidatableObject
{
    public const string SectionName = "Export";

    /// <summary>Shortest key accepted: HMAC-SHA256 is only as strong as its key, and 256 bits is its full strength.</summary>
    public const int MinimumKeyBytes = 32;

    public const int MaximumKeyBytes = 1_024;

    /// <summary>
    /// Base64 of at least <see cref="MinimumKeyBytes"/> random bytes. The same key gives the same pseudonyms and time
    /// shifts in every export; another key gives unlinkable ones.
    /// </summary>
    public string? PseudonymKey { get; set; }

    /// <summary>Widest span read from the history store in one query; narrowed on the fly when a slice holds too many points.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "400.00:00:00")]
    public TimeSpan SliceLength { get; set; } = TimeSpan.FromDays(1);

    /// <summary>How long reading the consent topic (metadata, then each partition to its end) may take.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan KafkaTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Least time between two progress lines; the last patient always gets one.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan ProgressInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Fewest patients with readings a dataset may hold; a smaller one is refused, because a handful of patients
    /// over a known window is easy to single out however well their identifiers are hidden.
    /// </summary>
    [Range(1, 1_000_000)]
    public int MinimumPatients { get; set; } = 5;

    /// <summary>The decoded key; call only after validation.</summary>
    public byte[] KeyBytes() => Convert.FromBase64String(PseudonymKey!.Trim());

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        const string how = "a base64 string of at least 32 random bytes (for example the output of 'openssl rand -base64 32'), "
            + "set through the environment variable Export__PseudonymKey or a secret store, never on the command line";
        if (string.IsNullOrWhiteSpace(PseudonymKey))
        {
            yield return new ValidationResult($"Export:PseudonymKey is required: {how}.", [nameof(PseudonymKey)]);
            yield break;
        }

        var buffer = new byte[PseudonymKey.Length];
        if (!Convert.TryFromBase64String(PseudonymKey.Trim(), buffer, out var length))
        {
            yield return new ValidationResult($"Export:PseudonymKey is not valid base64; it must be {how}.", [nameof(PseudonymKey)]);
        }
        else if (length is < MinimumKeyBytes or > MaximumKeyBytes)
        {
            yield return new ValidationResult(
                $"Export:PseudonymKey decodes to {length} bytes; it must be between {MinimumKeyBytes} and {MaximumKeyBytes}: {how}.", [nameof(PseudonymKey)]);
        }
    }
}
