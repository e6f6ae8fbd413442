using VitalTwin.Detection;
using VitalTwin.Nab.Benchmark;

namespace VitalTwin.Nab.Detectors;

/// <summary>
/// Runs ML.NET's IID spike detector on three views of the series and reports how improbable the most surprising one is:
/// the value itself (levels never seen in the last W rows), its step x_t − x_{t−1} (jumps), and its seasonal
/// difference x_t − median(x_{t−P}, x_{t−2P}, x_{t−3P}) (a cycle that breaks its pattern). P is detected once, on the
/// probationary rows, which NAB gives every detector to learn from; those rows also warm the seasonal detectors up.
/// With a period the step view sees the step less the median step at the same phase, so the pattern's own daily
/// rises and falls are not jumps. The anomaly score is 1 − min(1, m·p_min) over the m views that scored the row,
/// one minus the Bonferroni-adjusted p-value, kept only if it beats every score of the previous R rows.
/// </summary>
public sealed class SpikeViewsScorer : IAnomalyScorer
{
    // Only the p-values are used; the detectors' own alert threshold plays no part.
    private const double UnusedConfidence = 99;

    private readonly SpikeViewsConfiguration _configuration;
    private readonly int _probationaryLength;
    private readonly IidSpikeDetector _level;
    private readonly RepeatSuppressor _repeats;
    private IidSpikeDetector _step;
    private IidSpikeDetector? _seasonal;
    private CycleHistory? _cycles;
    private List<double>? _learning = [];
    private double _previous = double.NaN;

    /// <param name="configuration">The detector's parameters.</param>
    /// <param name="probationaryLength">NAB's unscored leading rows of this file, where the period is learnt.</param>
    public SpikeViewsScorer(SpikeViewsConfiguration configuration, int probationaryLength)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentOutOfRangeException.ThrowIfNegative(probationaryLength);
        _configuration = configuration;
        _probationaryLength = probationaryLength;
        _level = NewDetector();
        _step = NewDetector();
        _repeats = new RepeatSuppressor(configuration.RepeatWindow(probationaryLength));
    }

    /// <summary>The seasonal period in rows once learnt; 0 before that or when the series has none.</summary>
    public int Period { get; private set; }

    public double Score(double value)
    {
        var surprise = new Surprise();
        surprise.Add(_level.Update((float)value).PValue);
        if (_cycles is null)
        {
            surprise.Add(_step.Update((float)(value - _previous)).PValue);
        }
        else
        {
            surprise.Add(_step.Update((float)(value - _previous - _cycles.TypicalStep())).PValue);
            surprise.Add(_seasonal!.Update((float)(value - _cycles.TypicalLevel())).PValue);
            _cycles.Add(value);
        }

        _previous = value;
        if (_learning is not null)
        {
            Learn(value);
        }

        return _repeats.Filter(surprise.AnomalyScore);
    }

    private IidSpikeDetector NewDetector() => new(UnusedConfidence, _configuration.HistoryLength);

    private void Learn(double value)
    {
        _learning!.Add(value);
        if (_learning.Count < _probationaryLength)
        {
            return;
        }

        Period = SeasonalPeriod.Detect(_learning);
        if (Period > 0)
        {
            // Replay the probationary rows so that both seasonal views start with a full history of their own.
            _cycles = new CycleHistory(Period, _configuration.SeasonalCycles);
            _seasonal = NewDetector();
            _step = NewDetector();
            double previous = double.NaN;
            foreach (double x in _learning)
            {
                _seasonal.Update((float)(x - _cycles.TypicalLevel()));
                _step.Update((float)(x - previous - _cycles.TypicalStep()));
                _cycles.Add(x);
                previous = x;
            }
        }

        _learning = null;
    }

    private struct Surprise
    {
        private double _minPValue;
        private int _views;

        public void Add(double pValue)
        {
            if (double.IsNaN(pValue))
            {
                return;
            }

            _minPValue = _views == 0 ? pValue : Math.Min(_minPValue, pValue);
            _views++;
        }

        public readonly double AnomalyScore => _views == 0 ? 0 : 1 - Math.Min(1, _views * _minPValue);
    }
}
