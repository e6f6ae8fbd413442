using VitalTwin.Clinical;

namespace VitalTwin.Simulator.Core.Physiology;

/// <summary>
/// The patient's underlying state that wanders slowly on its own: sympathetic drive, thermoregulation, breathing
/// pattern, oxygenation, vascular tone. Each is an Ornstein-Uhlenbeck process (mean-reverting noise) advanced in
/// fixed steps, so vitals that share a cause fluctuate together.
/// </summary>
internal struct LatentState
{
    /// <summary>Step of the latent processes; vitals between steps use the state of the last one.</summary>
    public static readonly long StepTicks = TimeSpan.FromSeconds(15).Ticks;

    private static readonly Process Sympathetic = new(TimeSpan.FromMinutes(20), 3.0);
    private static readonly Process Thermal = new(TimeSpan.FromHours(3), 0.08);
    private static readonly Process Breathing = new(TimeSpan.FromMinutes(10), 0.7);
    private static readonly Process Oxygenation = new(TimeSpan.FromMinutes(20), 0.35);
    private static readonly Process Vascular = new(TimeSpan.FromMinutes(30), 3.0);

    /// <summary>Sympathetic drive, in bpm of heart rate it adds.</summary>
    public double SympatheticDrive;

    public double TemperatureDrift;
    public double BreathingDrift;
    public double SaturationDrift;
    public double PressureDrift;

    /// <summary>Ticks since the start up to which the state has been advanced.</summary>
    public long AdvancedTo;

    public static LatentState Stationary(Randomness.SimulationRandom random) => new()
    {
        SympatheticDrive = Sympathetic.Stationary(random),
        TemperatureDrift = Thermal.Stationary(random),
        BreathingDrift = Breathing.Stationary(random),
        SaturationDrift = Oxygenation.Stationary(random),
        PressureDrift = Vascular.Stationary(random),
    };

    public void AdvanceTo(long ticks, Randomness.SimulationRandom random)
    {
        while (AdvancedTo + StepTicks <= ticks)
        {
            SympatheticDrive = Sympathetic.Step(SympatheticDrive, random);
            TemperatureDrift = Thermal.Step(TemperatureDrift, random);
            BreathingDrift = Breathing.Step(BreathingDrift, random);
            SaturationDrift = Oxygenation.Step(SaturationDrift, random);
            PressureDrift = Vascular.Step(PressureDrift, random);
            AdvancedTo += StepTicks;
        }
    }

    // Exact discretisation of dx = -x/τ dt + σ·sqrt(2/τ) dW over one step: stationary spread σ.
    private sealed class Process(TimeSpan timeConstant, double spread)
    {
        private readonly double _decay = Math.Exp(-(double)StepTicks / timeConstant.Ticks);
        private readonly double _innovation = spread * Math.Sqrt(1 - Math.Exp(-2.0 * StepTicks / timeConstant.Ticks));

        public double Step(double value, Randomness.SimulationRandom random) => (value * _decay) + (_innovation * random.NextGaussian());

        public double Stationary(Randomness.SimulationRandom random) => spread * random.NextGaussian();
    }
}

/// <summary>
/// The true value of each vital from baseline, time of day, latent state and events. The coefficients are round
/// clinical rules of thumb, not a fitted model: about 9-10 bpm and 2 breaths/min per °C of fever; a 35 % volume
/// loss costs about 40 mmHg systolic and adds 30 bpm; hypoxaemia drives breathing and pulse.
/// </summary>
internal static class VitalModel
{
    // Hours of the local day at which each rhythm peaks (before the patient's own shift).
    private const double HeartRatePeak = 15;
    private const double SystolicPeak = 13;
    private const double TemperaturePeak = 17;
    private const double RespiratoryPeak = 14;
    private const double SaturationPeak = 14;

    public static double TrueValue(VitalSign sign, PatientBaseline baseline, CircadianProfile rhythm, double hourOfDay, in LatentState state, in EventEffects events)
    {
        switch (sign)
        {
            case VitalSign.HeartRate:
                var sinus = (baseline.HeartRate * (1 + (rhythm.HeartRateAmplitude * Cycle(hourOfDay, HeartRatePeak, rhythm))))
                    + state.SympatheticDrive
                    + (9 * events.Fever)
                    + (25 * events.Vasodilation)
                    + (85 * events.VolumeDeficit)
                    + (0.8 * events.GasExchangeDeficit);
                return sinus + (events.RhythmWeight * (events.RhythmRate - sinus));
            case VitalSign.OxygenSaturation:
                var saturation = baseline.OxygenSaturation
                    + (rhythm.SaturationAmplitude * Cycle(hourOfDay, SaturationPeak, rhythm))
                    + state.SaturationDrift
                    - events.GasExchangeDeficit;
                // Haemoglobin saturates: near 100 % the curve flattens instead of passing it.
                return saturation > 99 ? Math.Min(100, 99 + ((saturation - 99) * 0.5)) : saturation;
            case VitalSign.RespiratoryRate:
                return baseline.RespiratoryRate
                    + (rhythm.RespiratoryAmplitude * Cycle(hourOfDay, RespiratoryPeak, rhythm))
                    + state.BreathingDrift
                    + (0.08 * state.SympatheticDrive)
                    + (2 * events.Fever)
                    + events.RespiratoryDrive
                    + (0.6 * events.GasExchangeDeficit)
                    + (8 * events.VolumeDeficit);
            case VitalSign.SystolicBloodPressure:
                return (baseline.SystolicBloodPressure * (1 + (rhythm.SystolicAmplitude * Cycle(hourOfDay, SystolicPeak, rhythm))))
                    + (0.6 * state.SympatheticDrive)
                    + state.PressureDrift
                    - (35 * events.Vasodilation)
                    - (110 * events.VolumeDeficit)
                    - events.SystolicDrop;
            case VitalSign.BodyTemperature:
                return baseline.BodyTemperature
                    + (rhythm.TemperatureAmplitude * Cycle(hourOfDay, TemperaturePeak, rhythm))
                    + state.TemperatureDrift
                    + events.Fever;
            default:
                throw new ArgumentOutOfRangeException(nameof(sign), sign, null);
        }
    }

    private static double Cycle(double hourOfDay, double peak, CircadianProfile rhythm) =>
        Math.Cos(2 * Math.PI * (hourOfDay - peak - rhythm.ShiftHours) / 24);
}
