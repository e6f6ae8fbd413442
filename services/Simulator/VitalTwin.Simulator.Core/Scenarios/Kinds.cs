namespace VitalTwin.Simulator.Core.Scenarios;

/// <summary>What a patient's baseline is drawn from.</summary>
public enum PatientCondition
{
    General,
    PostOperative,
    Copd,
    HeartFailure,
    Hypertension,
}

/// <summary>Clinical events the simulator can give a patient; each is labelled with its onset.</summary>
public enum ClinicalEventKind
{
    /// <summary>Fever, tachycardia, tachypnoea and falling pressure, developing over hours.</summary>
    Sepsis,

    /// <summary>SpO₂ falls within minutes (a mucus plug, atelectasis); breathing and pulse rise.</summary>
    AcuteDesaturation,

    /// <summary>Abrupt fast, irregular rhythm (atrial fibrillation with a fast ventricular response).</summary>
    Tachyarrhythmia,

    /// <summary>Hypovolaemia (bleeding): pressure falls, pulse rises over tens of minutes.</summary>
    Hypotension,

    /// <summary>Slow rhythm (heart block, drug effect) with some fall in pressure.</summary>
    Bradycardia,
}

/// <summary>Sensor artifacts: what the data shows is not the patient's physiology, and must not alarm.</summary>
public enum ArtifactKind
{
    /// <summary>Short erratic spikes in pulse, saturation and breathing rate while the patient moves.</summary>
    Motion,

    /// <summary>The oximeter probe is off: SpO₂ reads 0, or freezes at its last value.</summary>
    ProbeOff,

    /// <summary>The device is disconnected: no readings at all.</summary>
    Disconnection,

    /// <summary>
    /// A monitor is taken from one patient to another: the second patient's readings continue from it (after a
    /// re-registration), the first has none until a replacement monitor is attached.
    /// </summary>
    DeviceMoved,

    /// <summary>One reading of one vital jumps to a value no physiology reaches between two readings, then the next is normal again.</summary>
    Spike,

    /// <summary>Seconds to minutes of large random error on pulse, saturation and breathing (a loose lead, electrical interference).</summary>
    NoiseBurst,

    /// <summary>A poorly placed or failing oximeter probe: SpO₂ drifts down and stays down, and no other vital follows.</summary>
    BadProbe,
}

/// <summary>What per-reading measurement noise is drawn from.</summary>
public enum NoiseDistribution
{
    Gaussian,
    StudentT,
}

/// <summary>What an oximeter reports with its probe off.</summary>
public enum ProbeOffMode
{
    Zero,
    Flat,
}

/// <summary>Probe-off mode for a scenario's episodes; <see cref="Mixed"/> draws one per episode.</summary>
public enum ProbeOffSelection
{
    Mixed,
    Zero,
    Flat,
}
