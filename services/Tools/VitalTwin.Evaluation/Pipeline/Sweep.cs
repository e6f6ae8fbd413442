using System.Globalization;
using VitalTwin.AnomalyDetection.Core;
using VitalTwin.Notification.Core;

namespace VitalTwin.Evaluation.Pipeline;

/// <summary>
/// One parameter of the shipped configuration swept over values: <c>Parameter:value,value,…</c>. Policy
/// parameters (time spans: SpikeQuietPeriod, ClearAfter, CombineWindow) share the shipped detection and cost
/// little; detection parameters (confidence in percent: SpikeConfidence, ChangePointConfidence; the deterioration
/// watch's CUSUM decision interval: DeteriorationThreshold) run a detector bank of their own per value.
/// </summary>
public sealed record Sweep(string Parameter, IReadOnlyList<string> Values)
{
    private static readonly string[] PolicyParameters = ["SpikeQuietPeriod", "ClearAfter", "CombineWindow"];
    private static readonly string[] DetectionParameters = ["SpikeConfidence", "ChangePointConfidence", "DeteriorationThreshold"];

    public static string Known => string.Join(", ", PolicyParameters.Concat(DetectionParameters));

    /// <exception cref="FormatException">Not <c>Parameter:value,value,…</c> with a known parameter.</exception>
    public static Sweep Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parts = text.Split(':', 2);
        if (parts.Length != 2 || parts[1].Length == 0)
        {
            throw new FormatException($"A sweep is Parameter:value,value,… (one of {Known}); got '{text}'.");
        }
        var parameter = PolicyParameters.Concat(DetectionParameters).FirstOrDefault(p => string.Equals(p, parts[0], StringComparison.OrdinalIgnoreCase))
            ?? throw new FormatException($"Unknown sweep parameter '{parts[0]}'; one of {Known}.");
        var sweep = new Sweep(parameter, parts[1].Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries));
        if (sweep.Values.Count == 0)
        {
            throw new FormatException($"A sweep needs at least one value; got '{text}'.");
        }
        // Fails now, before a long run, rather than after it.
        _ = sweep.Variants(ShippedDefaultsForParsing);
        return sweep;
    }

    /// <summary>The shipped configuration with the parameter set to each value in turn.</summary>
    public IReadOnlyList<PolicyVariant> Variants(ShippedConfiguration shipped)
    {
        ArgumentNullException.ThrowIfNull(shipped);
        return [.. Values.Select(value => Variant(shipped, value))];
    }

    private PolicyVariant Variant(ShippedConfiguration shipped, string value)
    {
        var variant = Unchecked(shipped, value);
        var errors = new List<System.ComponentModel.DataAnnotations.ValidationResult>();
        return System.ComponentModel.DataAnnotations.Validator.TryValidateObject(variant.Policy, new(variant.Policy), errors, validateAllProperties: true)
            ? variant
            : throw new FormatException($"{Parameter}={value}: {string.Join("; ", errors.Select(e => e.ErrorMessage))}");
    }

    private PolicyVariant Unchecked(ShippedConfiguration shipped, string value)
    {
        var name = $"{Parameter}={value}";
        var policy = new AlertPolicyOptions
        {
            SpikeQuietPeriod = shipped.Policy.SpikeQuietPeriod,
            ClearAfter = shipped.Policy.ClearAfter,
            CombineWindow = shipped.Policy.CombineWindow,
            AlertOnSpikes = shipped.Policy.AlertOnSpikes,
            AlertOnChanges = shipped.Policy.AlertOnChanges,
            TrendOpenFor = shipped.Policy.TrendOpenFor,
        };
        switch (Parameter)
        {
            case "SpikeQuietPeriod":
                policy.SpikeQuietPeriod = Durations.Parse(value);
                return new PolicyVariant(name, shipped.Detection, policy, name);
            case "ClearAfter":
                policy.ClearAfter = Durations.Parse(value);
                return new PolicyVariant(name, shipped.Detection, policy, name);
            case "CombineWindow":
                policy.CombineWindow = Durations.Parse(value);
                return new PolicyVariant(name, shipped.Detection, policy, name);
            case "DeteriorationThreshold":
                var detection = WithConfidence(shipped.Detection, confidence: null, spikes: false);
                detection.Deterioration = new DeteriorationOptions
                {
                    Enabled = shipped.Detection.Deterioration.Enabled,
                    Window = shipped.Detection.Deterioration.Window,
                    UsualTimeConstant = shipped.Detection.Deterioration.UsualTimeConstant,
                    WarmUp = shipped.Detection.Deterioration.WarmUp,
                    Threshold = double.Parse(value, NumberStyles.Float, CultureInfo.InvariantCulture),
                };
                return new PolicyVariant(name, detection, shipped.Policy, name);
            default:
                var confidence = double.Parse(value, NumberStyles.Float, CultureInfo.InvariantCulture);
                if (confidence is <= 0 or >= 100)
                {
                    throw new FormatException($"{Parameter} is a percentage in (0, 100); got {value}.");
                }
                var spikes = Parameter == "SpikeConfidence";
                return new PolicyVariant(name, WithConfidence(shipped.Detection, confidence, spikes), shipped.Policy, name);
        }
    }

    /// <param name="confidence">Null keeps every detector's own.</param>
    private static DetectionOptions WithConfidence(DetectionOptions shipped, double? confidence, bool spikes)
    {
        List<DetectorSpec> Copy(IEnumerable<DetectorSpec> bank) => [.. bank.Select(spec =>
        {
            var isSpike = spec.Type is DetectorType.IidSpike or DetectorType.SsaSpike;
            var isChangePoint = spec.Type is DetectorType.IidChangePoint or DetectorType.SsaChangePoint;
            return new DetectorSpec
            {
                Type = spec.Type,
                Confidence = confidence is { } c && ((spikes && isSpike) || (!spikes && isChangePoint)) ? c : spec.Confidence,
                WindowSize = spec.WindowSize,
                TrainingWindowSize = spec.TrainingWindowSize,
                SeasonalityWindowSize = spec.SeasonalityWindowSize,
                Threshold = spec.Threshold,
                Side = spec.Side,
                Martingale = spec.Martingale,
            };
        })];

        return new DetectionOptions
        {
            Detectors = Copy(shipped.Detectors is { Count: > 0 } configured ? configured : DetectionOptions.DefaultBank),
            Vitals = shipped.Vitals.ToDictionary(v => v.Key, v => Copy(v.Value)),
            Artifacts = shipped.Artifacts,
            Deterioration = shipped.Deterioration,
            CheckpointInterval = shipped.CheckpointInterval,
        };
    }

    private static ShippedConfiguration ShippedDefaultsForParsing { get; } = new(
        new DetectionOptions(), new AlertPolicyOptions(), TwinState.Core.TwinSettings.Default, TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(1));
}

/// <summary>Time spans on the command line: "90s", "15m", "2h", or "hh:mm:ss".</summary>
public static class Durations
{
    /// <exception cref="FormatException">Not a non-negative time span in one of those forms.</exception>
    public static TimeSpan Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var trimmed = text.Trim();
        TimeSpan? parsed = trimmed.Length > 1 && double.TryParse(trimmed[..^1], NumberStyles.Float, CultureInfo.InvariantCulture, out var amount)
            ? trimmed[^1] switch
            {
                's' => TimeSpan.FromSeconds(amount),
                'm' => TimeSpan.FromMinutes(amount),
                'h' => TimeSpan.FromHours(amount),
                _ => null,
            }
            : TimeSpan.TryParse(trimmed, CultureInfo.InvariantCulture, out var span) ? span : null;
        return parsed is { } value && value >= TimeSpan.Zero
            ? value
            : throw new FormatException($"'{text}' is not a time span such as 90s, 15m, 2h or 00:15:00.");
    }

    public static string Format(TimeSpan span) =>
        span.TotalHours >= 1 && span.TotalHours == Math.Floor(span.TotalHours) ? string.Create(CultureInfo.InvariantCulture, $"{span.TotalHours:0}h")
        : span.TotalMinutes >= 1 && span.TotalMinutes == Math.Floor(span.TotalMinutes) ? string.Create(CultureInfo.InvariantCulture, $"{span.TotalMinutes:0}m")
        : string.Create(CultureInfo.InvariantCulture, $"{span.TotalSeconds:0.#}s");
}
