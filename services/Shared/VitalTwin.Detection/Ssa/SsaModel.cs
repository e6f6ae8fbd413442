using System.Numerics;

namespace VitalTwin.Detection;

// ML.NET's AdaptiveSingularSpectrumSequenceModeler (DETECTORS.md §1.3, §1.7), non-adaptive, in double precision:
// a rank-r projection W of the last L values and a linear recurrence α over the smoothed last L − 1 values.
// Training allocates; Consume and Forecast do not.
internal sealed class SsaModel
{
    private readonly double[] _basis;
    private readonly double[] _alpha;
    private readonly double[] _state;

    // The last L − 1 values and a free slot, _history[_start .. _start + L), sliding forward through a buffer of
    // several windows so that a value is not shifted on every point; the tail is carried back when the end is reached.
    private readonly double[] _history;
    private int _start;
    private readonly double[] _projection;
    private readonly double[] _smoothed;
    private readonly double[] _keep;
    private readonly double[] _blend;
    private readonly double[] _impulse;

    private const int HistoryWindows = 16;

    private SsaModel(int windowSize, int rank, double[] basis, double[] alpha)
    {
        WindowSize = windowSize;
        Rank = rank;
        _basis = basis;
        _alpha = alpha;
        _state = new double[windowSize - 1];
        _history = new double[HistoryWindows * windowSize];
        _projection = new double[rank];
        _smoothed = new double[windowSize];
        _impulse = new double[windowSize - 1];

        // The state is a running diagonal average: position i has been estimated L − 1 − i times so far.
        _keep = new double[windowSize - 1];
        _blend = new double[windowSize - 1];
        for (int i = 0; i < windowSize - 2; i++)
        {
            _keep[i] = (double)(windowSize - 2 - i) / (windowSize - 1 - i);
            _blend[i] = 1.0 / (windowSize - 1 - i);
        }
    }

    // L, which training lowers when the series has a standard eigenvector (e.g. it is all zeros).
    public int WindowSize { get; }

    public int Rank { get; }

    public bool IsNaive { get; private init; }

    public bool IsStabilized { get; private init; }

    public double ObservationNoiseVariance { get; private init; }

    public double AutoregressionNoiseVariance { get; private init; }

    public double Next { get; private set; }

    // fixedRank null selects the rank as ML.NET's RankSelectionMethod.Exact does, up to maxRank.
    public static SsaModel Train(
        ReadOnlySpan<double> series, int windowSize, int maxRank, int? fixedRank, bool stabilize, double maxTrendRatio)
    {
        int l = windowSize;
        bool naive;
        double[] vectors;
        while (true)
        {
            naive = !SsaTraining.TryEigenbasis(series, l, out vectors) || HasNaN(vectors.AsSpan(0, l * maxRank));
            if (naive || !HasStandardEigenvector(vectors, l))
            {
                break;
            }

            if (l == 2)
            {
                naive = true;
                break;
            }

            l--;
            maxRank = l / 2;
        }

        int n = series.Length;
        double[] signal = new double[n];
        int rank;
        if (naive)
        {
            rank = 1;
            vectors.AsSpan(0, l).Fill(1 / Math.Sqrt(l));
        }
        else
        {
            // The guard may have lowered L to a fixed rank or below.
            rank = fixedRank is int chosen ? Math.Min(chosen, l - 1) : SsaTraining.SelectRank(series, vectors, l, maxRank, signal);
        }

        var basis = vectors.AsSpan(0, rank * l).ToArray();
        var alpha = new double[l - 1];
        double nu = 0;
        for (int r = 0; r < rank; r++)
        {
            double last = basis[(r * l) + l - 1];
            nu += last * last;
            for (int j = 0; j < l - 1; j++)
            {
                alpha[j] += basis[(r * l) + j] * last;
            }
        }

        for (int j = 0; j < l - 1; j++)
        {
            alpha[j] /= 1 - nu;
        }

        bool stabilized = stabilize && !naive && LrrStabilizer.Stabilize(alpha, maxTrendRatio);

        if (fixedRank is not null)
        {
            signal = SsaTraining.ReconstructTail(series, basis, l, rank);
        }

        var (observation, autoregression) = SsaTraining.NoiseVariances(series[(n - signal.Length)..], signal, alpha);
        var model = new SsaModel(l, rank, basis, alpha)
        {
            IsNaive = naive,
            IsStabilized = stabilized,
            ObservationNoiseVariance = observation,
            AutoregressionNoiseVariance = autoregression,
        };
        model.InitializeState(series[(n - l)..]);
        return model;
    }

    public void Consume(double value)
    {
        int l = WindowSize;
        var recent = _history.AsSpan(_start, l);
        recent[l - 1] = value;
        Project(recent);

        var state = _state.AsSpan();
        var smoothed = _smoothed.AsSpan(1);
        var keep = _keep.AsSpan();
        var blend = _blend.AsSpan();
        int count = l - 2;
        int i = 0;

        // In place and ascending: each lane reads state[i + 1] before the lane that owns it is written.
        if (Vector.IsHardwareAccelerated)
        {
            for (; i <= count - Vector<double>.Count; i += Vector<double>.Count)
            {
                var updated = (new Vector<double>(keep[i..]) * new Vector<double>(state[(i + 1)..])) + (new Vector<double>(blend[i..]) * new Vector<double>(smoothed[i..]));
                updated.CopyTo(state[i..]);
            }
        }

        for (; i < count; i++)
        {
            state[i] = (keep[i] * state[i + 1]) + (blend[i] * smoothed[i]);
        }

        state[l - 2] = smoothed[l - 2];
        Next = Dot(state, _alpha);

        _start++;
        if (_start + l > _history.Length)
        {
            _history.AsSpan(_start, l - 1).CopyTo(_history);
            _start = 0;
        }
    }

    // Point forecasts for the next destination.Length steps: the recurrence run on the state, then on its own output.
    public void Forecast(Span<double> destination)
    {
        int l = WindowSize;
        for (int h = 0; h < destination.Length; h++)
        {
            int fromState = Math.Max(l - 1 - h, 0);
            int fromForecast = l - 1 - fromState;
            destination[h] = Dot(_state.AsSpan(h < l - 1 ? h : l - 1, fromState), _alpha.AsSpan(0, fromState))
                + Dot(destination.Slice(h - fromForecast, fromForecast), _alpha.AsSpan(fromState));
        }
    }

    // ML.NET's forecast standard deviations: sd_1² = σ_ar² + σ_obs², then each step adds σ_ar² times the square of
    // the recurrence applied to a running column that starts as [0, …, 0, 1, α_(L−2)].
    public void ForecastStandardDeviations(Span<double> destination)
    {
        var column = _impulse.AsSpan();
        int l = WindowSize;
        column.Clear();
        if (l > 2)
        {
            column[l - 3] = 1;
        }

        column[l - 2] = _alpha[l - 2];

        double variance = AutoregressionNoiseVariance + ObservationNoiseVariance;
        for (int h = 0; h < destination.Length; h++)
        {
            if (h > 0)
            {
                double next = Dot(_alpha, column);
                column[1..].CopyTo(column);
                column[^1] = next;
                variance += AutoregressionNoiseVariance * next * next;
            }

            destination[h] = Math.Sqrt(variance);
        }
    }

    public void WriteState(BinaryWriter writer)
    {
        writer.Write(WindowSize);
        writer.Write(Rank);
        writer.Write(IsNaive);
        writer.Write(IsStabilized);
        writer.Write(ObservationNoiseVariance);
        writer.Write(AutoregressionNoiseVariance);
        WriteAll(writer, _basis);
        WriteAll(writer, _alpha);
        WriteAll(writer, _state);
        WriteAll(writer, _history.AsSpan(_start, WindowSize - 1));
        writer.Write(Next);
    }

    public static SsaModel ReadState(BinaryReader reader, int maxWindowSize)
    {
        int l = reader.ReadInt32();
        int rank = reader.ReadInt32();
        if (l < 2 || l > maxWindowSize || rank < 1 || rank >= l)
        {
            throw new InvalidDataException("SSA model state is inconsistent.");
        }

        bool naive = reader.ReadBoolean();
        bool stabilized = reader.ReadBoolean();
        double observation = reader.ReadDouble();
        double autoregression = reader.ReadDouble();
        var basis = new double[rank * l];
        var alpha = new double[l - 1];
        ReadAll(reader, basis);
        ReadAll(reader, alpha);
        var model = new SsaModel(l, rank, basis, alpha)
        {
            IsNaive = naive,
            IsStabilized = stabilized,
            ObservationNoiseVariance = observation,
            AutoregressionNoiseVariance = autoregression,
        };
        ReadAll(reader, model._state);
        ReadAll(reader, model._history.AsSpan(0, l - 1));
        model.Next = reader.ReadDouble();
        return model;
    }

    private static bool HasNaN(ReadOnlySpan<double> values)
    {
        foreach (double value in values)
        {
            if (double.IsNaN(value))
            {
                return true;
            }
        }

        return false;
    }

    // ML.NET tests U_i[L−1]² == 1 on float32 eigenvectors, which also catches vectors within rounding of a unit vector.
    private static bool HasStandardEigenvector(double[] vectors, int windowSize)
    {
        for (int i = 0; i < windowSize; i++)
        {
            float last = (float)vectors[(i * windowSize) + windowSize - 1];
            if (last * last == 1f)
            {
                return true;
            }
        }

        return false;
    }

    private static double Dot(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        int i = 0;
        double sum = 0;
        if (Vector.IsHardwareAccelerated && a.Length >= Vector<double>.Count)
        {
            var acc = Vector<double>.Zero;
            for (; i <= a.Length - Vector<double>.Count; i += Vector<double>.Count)
            {
                acc += new Vector<double>(a[i..]) * new Vector<double>(b[i..]);
            }

            sum = Vector.Sum(acc);
        }

        for (; i < a.Length; i++)
        {
            sum += a[i] * b[i];
        }

        return sum;
    }

    private static void WriteAll(BinaryWriter writer, ReadOnlySpan<double> values)
    {
        foreach (double value in values)
        {
            writer.Write(value);
        }
    }

    private static void ReadAll(BinaryReader reader, Span<double> values)
    {
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = reader.ReadDouble();
        }
    }

    // As in ML.NET, the state starts as positions 1..L−1 of the projected last L training values.
    private void InitializeState(ReadOnlySpan<double> tail)
    {
        var recent = _history.AsSpan(0, WindowSize);
        tail.CopyTo(recent);
        Project(recent);
        _smoothed.AsSpan(1).CopyTo(_state);
        Next = Dot(_state, _alpha);
        _state.CopyTo(recent);
    }

    // smoothed = WᵀW·window.
    private void Project(ReadOnlySpan<double> window)
    {
        int l = WindowSize;
        var smoothed = _smoothed.AsSpan();
        for (int r = 0; r < Rank; r++)
        {
            _projection[r] = Dot(_basis.AsSpan(r * l, l), window);
        }

        smoothed.Clear();
        for (int r = 0; r < Rank; r++)
        {
            var row = _basis.AsSpan(r * l, l);
            double weight = _projection[r];
            int i = 0;
            if (Vector.IsHardwareAccelerated)
            {
                var scale = new Vector<double>(weight);
                for (; i <= l - Vector<double>.Count; i += Vector<double>.Count)
                {
                    (new Vector<double>(smoothed[i..]) + (scale * new Vector<double>(row[i..]))).CopyTo(smoothed[i..]);
                }
            }

            for (; i < l; i++)
            {
                smoothed[i] += weight * row[i];
            }
        }
    }
}
