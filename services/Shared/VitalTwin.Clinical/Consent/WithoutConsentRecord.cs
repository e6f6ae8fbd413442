namespace VitalTwin.Clinical.Consent;

/// <summary>What a patient with no consent record is taken to have agreed to.</summary>
public enum WithoutConsentRecord
{
    /// <summary>Monitored: hospitals monitor under the consent to treatment, and record refusals.</summary>
    Monitor,

    /// <summary>Not monitored: explicit consent is required before anything of the patient is processed.</summary>
    Refuse,
}
