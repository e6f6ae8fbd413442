namespace VitalTwin.Clinical.Consent;

/// <summary>A patient's consent to being monitored, as the hospital last recorded it.</summary>
public enum ConsentStatus
{
    /// <summary>Monitoring allowed: readings are processed and kept for the patient's care.</summary>
    Monitoring,

    /// <summary>Monitoring not allowed: nothing of the patient is processed or stored.</summary>
    Refused,

    /// <summary>Consent withdrawn: as <see cref="Refused"/>, and what was kept of the patient is removed.</summary>
    Withdrawn,

    /// <summary>
    /// The latest record could not be read (corrupt or breaking the contract). It might have been a refusal, so it
    /// counts as one until a readable record replaces it.
    /// </summary>
    Unreadable,
}
