namespace VitalTwin.Nab.Detectors;

/// <summary>
/// The last few cycles of a periodic series, for what the pattern usually does at the current phase: the median of
/// the values, and of the steps, one, two, … <c>cycles</c> periods back. A median of several cycles rather than the
/// previous cycle alone halves the noise of a seasonal difference and keeps a one-off anomaly from echoing one
/// period later as a second, false one.
/// </summary>
public sealed class CycleHistory
{
    private readonly int _period;
    private readonly int _cycles;
    private readonly double[] _ring;
    private readonly double[] _scratch;
    private int _count;
    private int _next;

    /// <param name="period">P, the cycle length in rows; at least 1.</param>
    /// <param name="cycles">How many earlier cycles are consulted; at least 1.</param>
    public CycleHistory(int period, int cycles)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(period, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(cycles, 1);
        _period = period;
        _cycles = cycles;
        _ring = new double[(period * cycles) + 1];
        _scratch = new double[cycles];
    }

    /// <summary>Median of the values at the same phase in the earlier cycles held; NaN before one cycle is held.</summary>
    public double TypicalLevel() => MedianAt(lag => Ago(lag));

    /// <summary>Median of the steps x − x₋₁ at the same phase in the earlier cycles held; NaN before one cycle and a row.</summary>
    public double TypicalStep() => MedianAt(lag => lag + 1 <= _count ? Ago(lag) - Ago(lag + 1) : double.NaN);

    /// <summary>Appends the current value; it becomes one row back.</summary>
    public void Add(double value)
    {
        _ring[_next] = value;
        _next = (_next + 1) % _ring.Length;
        _count = Math.Min(_count + 1, _ring.Length);
    }

    private double Ago(int lag) => _ring[((_next - lag) % _ring.Length + _ring.Length) % _ring.Length];

    private double MedianAt(Func<int, double> atLag)
    {
        int found = 0;
        for (int k = 1; k <= _cycles && k * _period <= _count; k++)
        {
            double v = atLag(k * _period);
            if (double.IsFinite(v))
            {
                _scratch[found++] = v;
            }
        }

        if (found == 0)
        {
            return double.NaN;
        }

        Array.Sort(_scratch, 0, found);
        return found % 2 == 1 ? _scratch[found / 2] : 0.5 * (_scratch[(found / 2) - 1] + _scratch[found / 2]);
    }
}
