using System.ComponentModel.DataAnnotations;

namespace VitalTwin.ServiceDefaults.Redaction;

/// <summary>
/// How patient and device ids and clinical values are redacted in logs, bound from <c>Redaction</c>. Without a key
/// they are erased; with one, each becomes an HMAC-SHA256 token, the same for the same id, so an operator can follow
/// one patient's lines across services without learning who it is.
/// </summary>
public sealed class RedactionOptions : IValidatableObject
{
    public const string SectionName = "Redaction";

    // HMAC-SHA256 is only as strong as its key up to the hash's own size.
    internal const int MinimumKeyBytes = 32;

    /// <summary>
    /// A secret, base64, at least 32 bytes (e.g. <c>openssl rand -base64 32</c>). Every service of a deployment needs the
    /// same key for their tokens to match; rotate it with <see cref="HmacKeyId"/>.
    /// </summary>
    public string? HmacKey { get; set; }

    /// <summary>Written into every token, so tokens made with different keys are never taken for the same patient.</summary>
    [Range(0, int.MaxValue)]
    public int? HmacKeyId { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (string.IsNullOrEmpty(HmacKey))
        {
            yield break;
        }
        var bytes = new byte[HmacKey.Length];
        if (!Convert.TryFromBase64String(HmacKey, bytes, out var length) || length < MinimumKeyBytes)
        {
            // Never the key itself: a validation message ends up in the log.
            yield return new ValidationResult($"{SectionName}:{nameof(HmacKey)} must be base64 of at least {MinimumKeyBytes} random bytes.", [nameof(HmacKey)]);
        }
    }
}
