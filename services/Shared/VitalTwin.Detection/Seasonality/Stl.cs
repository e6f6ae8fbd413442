namespace VitalTwin.Detection;

// ML.NET's STL decomposition (MLTS/STL/InnerStl.cs and its Loess helpers), operation for operation: two inner
// passes, no robustness passes. Every Loess fits local lines with tricube weights, refits once with bisquare
// robustness weights, and on more than 100 points fits only 100 evenly spaced ones, each estimate using the line
// of the nearest fitted point.
internal static class Stl
{
    private const int InnerPasses = 2;
    private const int SeasonalSmoothing = 9;
    private const int MinLength = 3;

    // False where ML.NET's STL fails (a NaN in the smoothed cycle-subseries) or throws (a phase with under 3 points).
    public static bool TryResidual(double[] y, int period, double[] residual)
    {
        // The shortest phase has n / period points.
        int n = y.Length;
        if (n / period < MinLength)
        {
            return false;
        }

        double[] seasonal = new double[n];
        double[] trend = new double[n];
        double[] detrended = new double[n];
        double[] smoothedCycles = new double[n + (2 * period)];
        double[] deseasonalised = new double[n];
        for (int pass = 0; pass < InnerPasses; pass++)
        {
            for (int i = 0; i < n; i++)
            {
                detrended[i] = y[i] - trend[i];
            }

            if (!SmoothCycleSubseries(detrended, period, smoothedCycles))
            {
                return false;
            }

            double[] lowPass = LowPass(smoothedCycles, period);
            for (int i = 0; i < n; i++)
            {
                seasonal[i] = smoothedCycles[i] - lowPass[i];
            }

            for (int i = 0; i < n; i++)
            {
                deseasonalised[i] = y[i] - seasonal[i];
            }

            FastLoess.Smooth(deseasonalised, TrendSmoothing(period)).CopyTo(trend, 0);
        }

        for (int i = 0; i < n; i++)
        {
            residual[i] = y[i] - seasonal[i] - trend[i];
        }
        return true;
    }

    private static int LowPassSmoothing(int period) => period % 2 == 0 ? period + 1 : period;

    private static int TrendSmoothing(int period)
    {
        double value = 1.5 * period / (1.0 - (1.5 / SeasonalSmoothing));
        int result = (int)value + 1;
        return result % 2 == 0 ? result + 1 : result;
    }

    // Smooths each phase's subseries and extends it one cycle before and after, then interleaves them again.
    private static bool SmoothCycleSubseries(double[] detrended, int period, double[] smoothed)
    {
        var cycles = new double[period][];
        for (int p = 0; p < period; p++)
        {
            double[] subseries = new double[((detrended.Length - 1 - p) / period) + 1];
            for (int k = 0; k < subseries.Length; k++)
            {
                subseries[k] = detrended[p + (k * period)];
            }

            var loess = new FastLoess(subseries, SeasonalSmoothing);
            double[] cycle = new double[subseries.Length + 2];
            cycle[0] = loess.EstimateY(-1.0);
            loess.Estimate().CopyTo(cycle, 1);
            cycle[^1] = loess.EstimateY(subseries.Length * 1.0);
            cycles[p] = cycle;
        }

        int index = 0;
        for (int k = 0; k < cycles[0].Length; k++)
        {
            for (int p = 0; p < period; p++)
            {
                if (cycles[p].Length <= k)
                {
                    break;
                }
                if (double.IsNaN(cycles[p][k]))
                {
                    return false;
                }
                smoothed[index++] = cycles[p][k];
            }
        }
        return true;
    }

    private static double[] LowPass(double[] smoothedCycles, int period)
    {
        double[] averaged = MovingAverage(MovingAverage(MovingAverage(smoothedCycles, period), period), 3);
        return FastLoess.Smooth(averaged, LowPassSmoothing(period));
    }

    private static double[] MovingAverage(double[] s, int length)
    {
        double[] result = new double[s.Length - length + 1];
        double partialSum = 0;
        for (int i = 0; i < length; i++)
        {
            partialSum += s[i];
        }

        for (int i = length; i < s.Length; i++)
        {
            result[i - length] = partialSum / length;
            partialSum = partialSum - s[i - length] + s[i];
        }
        result[^1] = partialSum / length;
        return result;
    }

    // Loess on x = 0, 1, …, n − 1, fitted on at most 100 of the points.
    private sealed class FastLoess
    {
        private const int SampleSize = 100;

        private readonly int _length;
        private readonly Loess _smoother;

        public FastLoess(double[] y, int neighbours)
        {
            _length = y.Length;
            if (_length <= SampleSize)
            {
                double[] x = new double[_length];
                for (int i = 0; i < _length; i++)
                {
                    x[i] = i;
                }
                _smoother = new Loess(x, y, neighbours);
                return;
            }

            double step = _length * 1.0 / SampleSize;
            double[] sampleX = new double[SampleSize];
            double[] sampleY = new double[SampleSize];
            for (int i = 0; i < SampleSize; i++)
            {
                int index = (int)(i * step);
                sampleX[i] = index;
                sampleY[i] = y[index];
            }
            _smoother = new Loess(sampleX, sampleY, neighbours);
        }

        public static double[] Smooth(double[] y, int neighbours) => new FastLoess(y, neighbours).Estimate();

        public double[] Estimate()
        {
            double[] result = new double[_length];
            for (int i = 0; i < _length; i++)
            {
                result[i] = _smoother.EstimateY(i);
            }
            return result;
        }

        public double EstimateY(double x) => _smoother.EstimateY(x);
    }

    private sealed class Loess
    {
        private const int MinimumNeighbourCount = 4;
        private const double NumericalThreshold = 1.0e-10;
        private const int RobustnessIterations = 2;

        private readonly double[] _x;
        private readonly double[] _y;
        private readonly int _neighbours;
        private readonly (double B0, double B1)?[] _lines;

        public Loess(double[] x, double[] y, int neighbours)
        {
            _x = x;
            _y = y;
            _lines = new (double, double)?[x.Length];
            _neighbours = neighbours >= x.Length ? x.Length - 1
                : neighbours < MinimumNeighbourCount ? MinimumNeighbourCount
                : neighbours;
        }

        public double EstimateY(double xValue)
        {
            int start = 0;
            int end = _x.Length - 1;
            while (end - start > 1)
            {
                int mid = (start + end) / 2;
                if (_x[mid] > xValue)
                {
                    end = mid;
                }
                else
                {
                    start = mid;
                }
            }
            double distanceDiff = (_x[end] - xValue) - (xValue - _x[start]);
            int index = distanceDiff > -NumericalThreshold ? start : end;

            _lines[index] ??= LocalLine(index);
            var (b0, b1) = _lines[index]!.Value;
            return b0 + (b1 * xValue);
        }

        // ML.NET's LocalRegression: the point and its `_neighbours` nearest (ties to the left), tricube-weighted by
        // distance over the farther end, then reweighted by bisquare of residual / (6 · median |residual|).
        private (double B0, double B1) LocalLine(int self)
        {
            int length = _x.Length;
            int startIndex = self;
            int endIndex = self;
            double selfValue = _x[self];
            int left = _neighbours;
            while (left > 0)
            {
                if (startIndex == 0)
                {
                    endIndex += left;
                    break;
                }
                if (endIndex == length - 1)
                {
                    startIndex -= left;
                    break;
                }
                double distanceDiff = (selfValue - _x[startIndex]) - (_x[endIndex] - selfValue);
                if (distanceDiff < NumericalThreshold)
                {
                    startIndex--;
                }
                else
                {
                    endIndex++;
                }
                left--;
            }

            int count = endIndex - startIndex + 1;
            var x = _x.AsSpan(startIndex, count);
            var y = _y.AsSpan(startIndex, count);
            double range = Math.Max(selfValue - _x[startIndex], _x[endIndex] - selfValue);
            double[] weights = new double[count];
            for (int i = 0; i < count; i++)
            {
                weights[i] = Tricube((x[i] - selfValue) / range);
            }

            (double B0, double B1) line = default;
            double[] errors = new double[count];
            double[] absErrors = new double[count];
            for (int iteration = 0; iteration < RobustnessIterations; iteration++)
            {
                line = WeightedLine(x, y, weights);
                for (int i = 0; i < count; i++)
                {
                    errors[i] = y[i] - (line.B0 + (line.B1 * x[i]));
                    absErrors[i] = Math.Abs(errors[i]);
                }
                Array.Sort(absErrors);
                double median = absErrors[count / 2];
                if (median == 0)
                {
                    median = double.Epsilon;
                }
                for (int i = 0; i < count; i++)
                {
                    weights[i] *= Bisquare(errors[i] / 6.0 / median);
                }
            }
            return line;
        }

        private static (double B0, double B1) WeightedLine(ReadOnlySpan<double> x, ReadOnlySpan<double> y, double[] weights)
        {
            double sum00 = 0;
            double sum01 = 0;
            double sum10 = 0;
            double sum11 = 0;
            for (int k = 0; k < x.Length; k++)
            {
                double temp = weights[k];
                sum00 += temp;
                temp *= x[k];
                sum01 += temp;
                sum10 += temp;
                temp *= x[k];
                sum11 += temp;
            }

            double divider = (sum00 * sum11) - (sum01 * sum10);
            double reverseS00 = sum11 / divider;
            double reverseS01 = -sum10 / divider;
            double reverseS10 = -sum01 / divider;
            double reverseS11 = sum00 / divider;

            double fy0 = 0;
            double fy1 = 0;
            for (int i = 0; i < x.Length; i++)
            {
                double temp = weights[i] * y[i];
                fy0 += temp;
                fy1 += temp * x[i];
            }

            return ((reverseS00 * fy0) + (reverseS01 * fy1), (reverseS10 * fy0) + (reverseS11 * fy1));
        }

        private static double Tricube(double value)
        {
            double abs = Math.Abs(value);
            if (abs >= 1)
            {
                return 0;
            }
            double temp = 1 - (abs * abs * abs);
            return temp * temp * temp;
        }

        private static double Bisquare(double value)
        {
            double abs = Math.Abs(value);
            if (abs >= 1)
            {
                return 0;
            }
            double temp = 1 - (abs * abs);
            return temp * temp;
        }
    }
}
