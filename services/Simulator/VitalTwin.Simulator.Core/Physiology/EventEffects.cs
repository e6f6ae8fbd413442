using VitalTwin.Simulator.Core.Scenarios;

namespace VitalTwin.Simulator.Core.Physiology;

/// <summary>
/// What the clinical events under way do to a patient's physiological state at one moment. Events change the
/// underlying state (temperature, vascular tone, circulating volume, gas exchange, rhythm); the vitals follow
/// from it in <see cref="VitalModel"/>, so one cause moves several vitals together.
/// </summary>
internal struct EventEffects
{
    /// <summary>Rise of core temperature, °C.</summary>
    public double Fever;

    /// <summary>Loss of vascular tone, 0-1 (sepsis).</summary>
    public double Vasodilation;

    /// <summary>Fraction of circulating volume lost (bleeding, dehydration).</summary>
    public double VolumeDeficit;

    /// <summary>Fall of arterial saturation from impaired gas exchange, percentage points.</summary>
    public double GasExchangeDeficit;

    /// <summary>Extra breaths per minute from metabolic acidosis (sepsis).</summary>
    public double RespiratoryDrive;

    /// <summary>A rhythm that overrides the sinus rate: its rate, and how far it has taken over (0-1).</summary>
    public double RhythmRate;

    public double RhythmWeight;

    /// <summary>Beat-to-beat irregularity, as extra spread of the measured rate (bpm).</summary>
    public double Irregularity;

    /// <summary>Systolic fall from an inefficient rhythm (short filling time, or too few beats), mmHg.</summary>
    public double SystolicDrop;

    /// <summary>Adds one event at <paramref name="progress"/> (0-1 of its full effect) and <paramref name="severity"/>.</summary>
    public void Add(ClinicalEventKind kind, double severity, double progress)
    {
        var effect = severity * progress;
        switch (kind)
        {
            case ClinicalEventKind.Sepsis:
                Fever += 2.0 * effect;
                Vasodilation += effect;
                RespiratoryDrive += 6 * effect;
                GasExchangeDeficit += 3 * effect;
                break;
            case ClinicalEventKind.AcuteDesaturation:
                GasExchangeDeficit += 13 * effect;
                break;
            case ClinicalEventKind.Hypotension:
                VolumeDeficit += 0.35 * effect;
                break;
            case ClinicalEventKind.Tachyarrhythmia:
                // Atrial fibrillation with a fast ventricular response: 150-175 bpm, irregularly irregular.
                SetRhythm(125 + (50 * severity), progress);
                Irregularity += 7 * progress;
                SystolicDrop += 15 * effect;
                break;
            case ClinicalEventKind.Bradycardia:
                SetRhythm(50 - (15 * severity), progress);
                SystolicDrop += 15 * effect;
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, null);
        }
    }

    private void SetRhythm(double rate, double weight)
    {
        if (weight > RhythmWeight)
        {
            RhythmRate = rate;
            RhythmWeight = weight;
        }
    }
}
