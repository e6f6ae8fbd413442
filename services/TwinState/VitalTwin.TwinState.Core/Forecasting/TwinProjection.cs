using VitalTwin.Clinical;

namespace VitalTwin.TwinState.Core.Forecasting;

/// <summary>"If heart rate keeps rising 5 /min per hour": an offset and a trend, in the vital's unit, added to its projection as stated.</summary>
public readonly record struct VitalAdjustment(VitalSign Sign, double Offset, double TrendPerHour);

/// <summary>What a projection is asked: how far ahead, in which steps, and what to change.</summary>
/// <param name="Horizon">How far past the twin's clock.</param>
/// <param name="Step">Between projected points; the horizon is the last point even off the grid.</param>
public sealed record ProjectionQuestion(TimeSpan Horizon, TimeSpan Step)
{
    /// <summary>At most one per vital.</summary>
    public IReadOnlyList<VitalAdjustment> Adjustments { get; init; } = [];

    /// <summary>Scored as if on (true) or off (false) supplemental oxygen; null keeps the twin's context.</summary>
    public bool? OnSupplementalOxygen { get; init; }

    /// <summary>Scored with this level of consciousness; null keeps the twin's context.</summary>
    public Consciousness? Consciousness { get; init; }
}

/// <summary>A projected value with its 80 % interval, clamped to the vital's physiological limits.</summary>
public readonly record struct ProjectedValue(DateTimeOffset At, double Value, double Lower, double Upper);

/// <param name="Adjusted">An adjustment of the question applies to it.</param>
/// <param name="HasInterval">The twin had checked enough of this vital's forecasts for an interval; without, lower and upper are the value.</param>
public sealed record ProjectedVital(VitalSign Sign, bool Adjusted, bool HasInterval, IReadOnlyList<ProjectedValue> Points);

/// <summary>NEWS2 on the projected values at one step, and at the kindest and the worst values every vital's interval allows.</summary>
public sealed record ProjectedNews2(DateTimeOffset At, News2Result News2, int AtLeast, int AtMost)
{
    public News2Risk Risk => News2.Risk;
}

/// <summary>The twin carried forward from its clock (<paramref name="From"/>), scored with <paramref name="Context"/>.</summary>
public sealed record ProjectedTwin(
    DateTimeOffset From,
    PatientContext Context,
    IReadOnlyList<ProjectedVital> Vitals,
    IReadOnlyList<ProjectedNews2> News2,
    DateTimeOffset? FirstNews2Of5At,
    DateTimeOffset? FirstNews2Of7At);

/// <summary>How the twin's trend is carried forward, and how the interval widens with the horizon.</summary>
/// <param name="TrendTimeConstant">
/// The twin's slope is damped (Gardner's damped trend, in continuous time): a vital drifts on by at most slope × this,
/// since vitals revert towards the patient's level and a half-hour slope says little about hours.
/// </param>
/// <param name="WideningExponent">
/// The interval is the forecast's own (the spread of its past misses at the forecast horizon) scaled by
/// (lead / forecast horizon) to this power: ½ is the spread of a random walk, which a vital's wandering resembles.
/// </param>
/// <param name="FollowsForecast">
/// The path goes first to the twin's forecast (at its horizon) and the damped trend carries on from there; otherwise
/// the damped trend starts from the scored value.
/// </param>
public sealed record ProjectionModel(TimeSpan TrendTimeConstant, double WideningExponent, bool FollowsForecast)
{
    /// <summary>Tuned on the evaluation's tuning seeds (README, "What-if: projection").</summary>
    public static ProjectionModel Default { get; } = new(TimeSpan.FromMinutes(5), 0.25, FollowsForecast: false);
}

/// <summary>
/// "What if this continues, or this changes?": each vital of a twin's snapshot carried forward over a horizon, and the
/// NEWS2 it implies at every step. Decision support: what the twin's model implies, not a recommendation.
/// </summary>
/// <remarks>
/// A vital starts at its scored value (what NEWS2 scores now) and moves on with its trend, damped
/// (<see cref="ProjectionModel.TrendTimeConstant"/>); a vital without a trend holds its value. Adjustments are added as stated, undamped, to the value and both ends of its interval. Stale or
/// never-scored vitals count as missing in NEWS2, as they do in the twin.
/// </remarks>
public static class TwinProjection
{
    public const string Disclaimer =
        "Decision support: what the twin's model implies if the vitals go on as they trend (with the adjustments asked). It is not a prediction of care's effect and recommends no treatment.";

    /// <exception cref="ArgumentException">The twin has no clock yet, the horizon or step is not positive, or an adjustment is repeated or not finite.</exception>
    public static ProjectedTwin Project(TwinSnapshot twin, ProjectionQuestion question, TwinSettings settings, ProjectionModel? model = null)
    {
        ArgumentNullException.ThrowIfNull(twin);
        ArgumentNullException.ThrowIfNull(question);
        ArgumentNullException.ThrowIfNull(settings);
        model ??= ProjectionModel.Default;
        var from = twin.AsOf ?? throw new ArgumentException("The twin has applied no reading yet: it has nothing to project.", nameof(twin));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(question.Horizon, TimeSpan.Zero, nameof(question));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(question.Step, TimeSpan.Zero, nameof(question));
        var adjustments = new Dictionary<VitalSign, VitalAdjustment>();
        foreach (var adjustment in question.Adjustments)
        {
            if (!double.IsFinite(adjustment.Offset) || !double.IsFinite(adjustment.TrendPerHour) || !adjustments.TryAdd(adjustment.Sign, adjustment))
            {
                throw new ArgumentException($"The adjustment of {adjustment.Sign} is repeated or not finite.", nameof(question));
            }
        }

        var times = Steps(from, question.Horizon, question.Step);
        var vitals = new List<ProjectedVital>();
        foreach (var vital in twin.Vitals.Values.OrderBy(v => v.Sign))
        {
            if (vital.Scored is null)
            {
                continue;
            }

            var adjustment = adjustments.GetValueOrDefault(vital.Sign);
            var path = new VitalPath(vital, from, settings, model);
            var definition = settings.Catalogue[vital.Sign];
            var points = new ProjectedValue[times.Length];
            for (int i = 0; i < times.Length; i++)
            {
                double hours = (times[i] - from).TotalHours;
                double shift = adjustment.Offset + (adjustment.TrendPerHour * hours);
                var (value, lower, upper) = path.At(hours);
                points[i] = new ProjectedValue(
                    times[i],
                    Math.Clamp(value + shift, definition.PhysiologicalMin, definition.PhysiologicalMax),
                    Math.Clamp(lower + shift, definition.PhysiologicalMin, definition.PhysiologicalMax),
                    Math.Clamp(upper + shift, definition.PhysiologicalMin, definition.PhysiologicalMax));
            }

            vitals.Add(new ProjectedVital(vital.Sign, adjustments.ContainsKey(vital.Sign), path.HasInterval, points));
        }

        // The context NEWS2 scores with now, SpO2 scale 2 from a personal setting in force included.
        var scoring = TwinScoring.ScoringContext(twin.Context, twin.Settings, twin.ClockTicks);
        var context = scoring with
        {
            OnSupplementalOxygen = question.OnSupplementalOxygen ?? twin.Context.OnSupplementalOxygen,
            Consciousness = question.Consciousness ?? twin.Context.Consciousness,
        };
        var scored = vitals.Where(v => twin.Vitals[v.Sign] is { IsStale: false }).ToList();
        var news2 = new ProjectedNews2[times.Length];
        for (int i = 0; i < times.Length; i++)
        {
            news2[i] = Score(context, scored, times[i], i);
        }

        return new ProjectedTwin(
            from,
            context,
            vitals,
            news2,
            news2.FirstOrDefault(n => n.News2.Total >= 5)?.At,
            news2.FirstOrDefault(n => n.News2.Total >= 7)?.At);
    }

    private static DateTimeOffset[] Steps(DateTimeOffset from, TimeSpan horizon, TimeSpan step)
    {
        var times = new List<DateTimeOffset>();
        for (var lead = TimeSpan.Zero; lead < horizon; lead += step)
        {
            times.Add(from + lead);
        }

        times.Add(from + horizon);
        return [.. times];
    }

    private static ProjectedNews2 Score(PatientContext context, List<ProjectedVital> vitals, DateTimeOffset at, int step)
    {
        var onOxygen = context.OnSupplementalOxygen ?? false;
        Span<double> value = stackalloc double[TwinScoring.SignCount];
        Span<double> kindest = stackalloc double[TwinScoring.SignCount];
        Span<double> worst = stackalloc double[TwinScoring.SignCount];
        value.Fill(double.NaN);
        kindest.Fill(double.NaN);
        worst.Fill(double.NaN);
        foreach (var vital in vitals)
        {
            var point = vital.Points[step];
            int sign = (int)vital.Sign;
            value[sign] = point.Value;
            (kindest[sign], worst[sign]) = Extremes(vital.Sign, point.Lower, point.Upper, context.SpO2Scale, onOxygen);
        }

        return new ProjectedNews2(
            at,
            News2.Score(Observations(context, value)),
            News2.Score(Observations(context, kindest)).Total,
            News2.Score(Observations(context, worst)).Total);
    }

    /// <summary>
    /// The values in [lower, upper] that score least and most. NEWS2's bands all end on whole numbers and a band
    /// scores alike throughout, so every band the interval touches is met at one of its ends or at a whole number
    /// inside it.
    /// </summary>
    private static (double Kindest, double Worst) Extremes(VitalSign sign, double lower, double upper, SpO2Scale scale, bool onOxygen)
    {
        var (kindest, worst) = (lower, lower);
        var (least, most) = (News2.ScoreVital(sign, lower, scale, onOxygen), News2.ScoreVital(sign, lower, scale, onOxygen));
        for (double candidate = Math.Ceiling(lower); candidate <= upper + 1; candidate++)
        {
            double value = Math.Min(candidate, upper);
            int score = News2.ScoreVital(sign, value, scale, onOxygen);
            if (score < least)
            {
                (least, kindest) = (score, value);
            }

            if (score > most)
            {
                (most, worst) = (score, value);
            }
        }

        return (kindest, worst);
    }


    private static News2Observations Observations(PatientContext context, ReadOnlySpan<double> values) => new(
        RespirationRate: Known(values[(int)VitalSign.RespiratoryRate]),
        OxygenSaturation: Known(values[(int)VitalSign.OxygenSaturation]),
        OnSupplementalOxygen: context.OnSupplementalOxygen,
        SystolicBloodPressure: Known(values[(int)VitalSign.SystolicBloodPressure]),
        Pulse: Known(values[(int)VitalSign.HeartRate]),
        Consciousness: context.Consciousness,
        Temperature: Known(values[(int)VitalSign.BodyTemperature]),
        Scale: context.SpO2Scale);

    private static double? Known(double value) => double.IsNaN(value) ? null : value;

    /// <summary>One vital's own motion from the twin's clock, before adjustments and clamping.</summary>
    private readonly struct VitalPath
    {
        private readonly double _start;
        private readonly bool _trending;
        private readonly double _forecast;
        private readonly double _forecastLead;
        private readonly double _slope;
        private readonly double _timeConstant;
        private readonly double _intervalLead;
        private readonly double _exponent;
        private readonly double _below;
        private readonly double _above;

        public VitalPath(VitalStatus vital, DateTimeOffset from, TwinSettings settings, ProjectionModel model)
        {
            _start = vital.ScoredValue;
            _trending = vital.Trend is not null;
            _slope = vital.Trend?.SlopePerHour ?? 0;
            (_forecast, _forecastLead) = model.FollowsForecast && _trending && vital.Forecast is { } forecast && forecast.At > from
                ? (forecast.Value, (forecast.At - from).TotalHours)
                : (_start, 0);
            _timeConstant = model.TrendTimeConstant.TotalHours;
            _exponent = model.WideningExponent;
            _intervalLead = settings.ForecastHorizon.TotalHours;
            // The misses' own 10th and 90th percentiles, as offsets; the clamp comes after the adjustments.
            if (ForecastErrors.Interval(0, vital.ForecastMisses, double.NegativeInfinity, double.PositiveInfinity) is { } misses)
            {
                (_below, _above) = misses;
                HasInterval = true;
            }
        }

        public bool HasInterval { get; }

        public (double Value, double Lower, double Upper) At(double hours)
        {
            if (!_trending)
            {
                // It holds its value, with the interval it has.
                return (_start, _start + _below, _start + _above);
            }

            double value = _forecastLead == 0 ? _start + Damped(hours)
                : hours <= _forecastLead ? _start + ((_forecast - _start) * hours / _forecastLead)
                : _forecast + Damped(hours - _forecastLead);
            double widening = Math.Pow(hours / _intervalLead, _exponent);
            return (value, value + (_below * widening), value + (_above * widening));
        }

        private double Damped(double hours) => _timeConstant <= 0 ? 0 : _slope * _timeConstant * (1 - Math.Exp(-hours / _timeConstant));
    }
}
