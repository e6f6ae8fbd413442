using System.ComponentModel.DataAnnotations;

namespace VitalTwin.Clinical.Consent;

/// <summary>How consent is enforced, bound from <c>Consent</c>.</summary>
public sealed class ConsentOptions
{
    public const string SectionName = "Consent";

    /// <summary>Whether a patient with no consent record is monitored (<c>Monitor</c>, the default) or not (<c>Refuse</c>).</summary>
    [EnumDataType(typeof(WithoutConsentRecord))]
    public WithoutConsentRecord WithoutRecord { get; set; } = WithoutConsentRecord.Monitor;
}
