using System.ComponentModel.DataAnnotations;
using VitalTwin.Clinical;
using VitalTwin.Clinical.Settings;
using VitalTwin.Detection;

namespace VitalTwin.AnomalyDetection.Core;

/// <summary>Which detectors watch each vital, and how readings are screened first. Bound from <c>Detection</c>.</summary>
public sealed class DetectionOptions
{
    public const string SectionName = "Detection";

    /// <summary>
    /// The bank every vital gets unless <see cref="Vitals"/> overrides it (<see cref="DefaultBank"/> when unset): a spike detector for sudden jumps
    /// and a change-point detector for lasting shifts. Confidence is higher than ML.NET's defaults because at
    /// 1 Hz per vital, 99 % would flag noise every few minutes per patient.
    /// </summary>
    // Configured lists replace this rather than add to it (the binder appends to a list it finds filled).
    public List<DetectorSpec>? Detectors { get; set; }

    /// <summary>Per-vital banks, replacing <see cref="Detectors"/> for that vital.</summary>
    public Dictionary<VitalSign, List<DetectorSpec>> Vitals { get; set; } = [];

    public static IReadOnlyList<DetectorSpec> DefaultBank { get; } =
    [
        new() { Type = DetectorType.IidSpike, Confidence = 99.9, WindowSize = 120 },
        // ML.NET's change-point defaults with the mixture martingale: the power martingale at these settings
        // almost never reached its threshold on a step in a noisy vital (measured in the unit tests).
        new() { Type = DetectorType.IidChangePoint, Confidence = 95, WindowSize = 20, Martingale = MartingaleType.Mixture },
    ];

    public ArtifactRules Artifacts { get; set; } = new();

    /// <summary>The watch for slow drifts of several vitals from the patient's own usual, before NEWS2 rises.</summary>
    public DeteriorationOptions Deterioration { get; set; } = new();

    /// <summary>How often detector state is checkpointed, so a restart resumes instead of re-learning.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "01:00:00")]
    public TimeSpan CheckpointInterval { get; set; } = TimeSpan.FromSeconds(30);

    public IReadOnlyList<DetectorSpec> BankFor(VitalSign sign) =>
        Vitals.TryGetValue(sign, out var bank) && bank.Count > 0 ? bank
        : Detectors is { Count: > 0 } configured ? configured
        : DefaultBank;
}

public enum DetectorType { IidSpike, IidChangePoint, SsaSpike, SsaChangePoint, SrCnn }

/// <summary>One detector of a bank, with ML.NET's parameters.</summary>
public sealed class DetectorSpec
{
    public DetectorType Type { get; set; }

    /// <summary>Percent, in (0, 100).</summary>
    [Range(0.000001, 99.999999)]
    public double Confidence { get; set; } = 99;

    /// <summary>The p-value history (spikes) or change history (change points), in readings.</summary>
    [Range(2, 10_000)]
    public int WindowSize { get; set; } = 100;

    /// <summary>SSA only: readings buffered to train the model before scoring starts (more than twice the seasonality window).</summary>
    [Range(5, 100_000)]
    public int TrainingWindowSize { get; set; } = 300;

    /// <summary>SSA only: the embedding window L.</summary>
    [Range(2, 1_000)]
    public int SeasonalityWindowSize { get; set; } = 30;

    /// <summary>Spectral residual only: the saliency score above which a reading alerts, in (0, 1).</summary>
    [Range(0.000001, 0.999999)]
    public double Threshold { get; set; } = 0.3;

    public AnomalySide Side { get; set; } = AnomalySide.TwoSided;

    public MartingaleType Martingale { get; set; } = MartingaleType.Power;

    // A tail probability over this makes a change-point martingale's bet on it worth less than 1: it would never alert.
    private const double LargestTail = 0.1;

    /// <summary>
    /// This detector at a patient's sensitivity: the tail probability 1 − confidence/100 ten times smaller (LOW) or ten
    /// times larger, at most <see cref="LargestTail"/> (HIGH); a spectral-residual threshold halfway to 1 (LOW) or halved (HIGH).
    /// </summary>
    public DetectorSpec At(DetectorSensitivity sensitivity)
    {
        if (sensitivity == DetectorSensitivity.Standard)
        {
            return this;
        }
        var tail = 1 - (Confidence / 100);
        var personalTail = sensitivity == DetectorSensitivity.Low ? tail / 10 : Math.Max(tail, Math.Min(tail * 10, LargestTail));
        return new DetectorSpec
        {
            Type = Type,
            Confidence = 100 * (1 - personalTail),
            WindowSize = WindowSize,
            TrainingWindowSize = TrainingWindowSize,
            SeasonalityWindowSize = SeasonalityWindowSize,
            Threshold = sensitivity == DetectorSensitivity.Low ? (1 + Threshold) / 2 : Threshold / 2,
            Side = Side,
            Martingale = Martingale,
        };
    }

    public IStatefulDetector Create() => Type switch
    {
        DetectorType.IidSpike => new IidSpikeDetector(Confidence, WindowSize, Side),
        DetectorType.IidChangePoint => new IidChangePointDetector(Confidence, WindowSize, Martingale),
        DetectorType.SsaSpike => new SsaSpikeDetector(Confidence, WindowSize, TrainingWindowSize, SeasonalityWindowSize, Side),
        DetectorType.SsaChangePoint => new SsaChangePointDetector(Confidence, WindowSize, TrainingWindowSize, SeasonalityWindowSize, martingale: Martingale),
        DetectorType.SrCnn => new SrCnnDetector(windowSize: WindowSize, threshold: Threshold),
        _ => throw new InvalidOperationException($"Unknown detector type {Type}."),
    };
}

/// <summary>Screening that keeps sensor artifacts away from the detectors.</summary>
public sealed class ArtifactRules
{
    /// <summary>
    /// More identical consecutive readings than this are a stuck sensor. They are kept out of the window,
    /// where they would shrink the spread until the first real reading looked like a spike.
    /// </summary>
    [Range(1, 100_000)]
    public int FlatLineLength { get; set; } = 10;

    /// <summary>After a silence this long the window no longer describes the patient: learning starts over.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan MaxGap { get; set; } = TimeSpan.FromMinutes(15);
}
