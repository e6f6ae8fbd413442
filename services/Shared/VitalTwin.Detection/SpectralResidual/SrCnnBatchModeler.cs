namespace VitalTwin.Detection;

// One batch of ML.NET's SrCnnEntireModeler (SrCnnEntireAnomalyDetector.cs), in double precision as there, operation
// for operation, including its quirks: the z-score veto compares the deseasonalised value with the statistics of
// the raw batch, and with a period the margin-mode anomaly score is measured from the real part of the saliency
// transform rather than from the expected value.
internal sealed class SrCnnBatchModeler(SrCnnBatchOptions options)
{
    private const int LookaheadWindowSize = 5;
    private const int BackAddWindowSize = 5;
    private const int AveragingWindowSize = 3;
    private const int JudgementWindowSize = 40;
    private const double Eps = 1e-8;
    private const double DeanomalyThreshold = 0.35;
    private const double BoundSensitivity = 93.0;
    private const double UnitForZero = 0.3;
    private const double ZScoreThreshold = 1.5;
    private const int MinimumScoreWindowSize = 11;
    private const int MinPointsToFit = 4;

    // Margin, in boundary units, at each integer sensitivity 0..100 (ML.NET's _factors, verbatim).
    private static readonly double[] Factors =
    [
        532.0, 492.8, 455.20000000000005, 419.20000000000005, 384.8, 352.0, 320.8, 291.2, 263.20000000000005,
        236.8, 212.0, 188.8, 167.20000000000002, 147.2, 128.8, 112.0, 96.8, 83.2, 71.2, 60.8, 52.0, 44.8, 39.2,
        35.2, 32.8, 30.0, 28.75, 27.5, 26.25, 25.0, 23.75, 22.5, 21.25, 20.0, 18.75, 17.5, 16.25, 15.0, 13.75,
        12.5, 11.25, 10.0, 8.75, 7.5, 6.25, 5.0, 4.599999999999998, 4.199999999999999, 3.799999999999997,
        3.3999999999999986, 3.0, 2.599999999999998, 2.1999999999999993, 1.7999999999999972, 1.3999999999999986,
        1.0, 0.96, 0.9199999999999999, 0.8799999999999999, 0.8399999999999999, 0.7999999999999998,
        0.7599999999999998, 0.7199999999999998, 0.6799999999999997, 0.6399999999999997, 0.6000000000000001,
        0.5700000000000003, 0.54, 0.5100000000000002, 0.4800000000000004, 0.4500000000000002, 0.4200000000000004,
        0.3900000000000001, 0.3600000000000003, 0.33000000000000007, 0.2999999999999998, 0.2849999999999999,
        0.2699999999999998, 0.2549999999999999, 0.23999999999999977, 0.22499999999999987, 0.20999999999999974,
        0.19499999999999984, 0.17999999999999994, 0.1649999999999998, 0.1499999999999999, 0.13818181818181818,
        0.12636363636363646, 0.1145454545454545, 0.10272727272727278, 0.09090909090909083, 0.0790909090909091,
        0.06727272727272737, 0.043636363636363695, 0.01200000000000001, 0.008, 0.0060750000000000005, 0.00415,
        0.0022249999999999995, 0.0002999999999999999, 0.0,
    ];

    private readonly Dictionary<int, ComplexFft> _ffts = [];

    internal static ReadOnlySpan<double> SensitivityFactors => Factors;

    public void Score(ReadOnlySpan<double> batch, Span<SrCnnBatchPoint> output)
    {
        int n = batch.Length;
        double[] values = batch.ToArray();
        double minimum = double.MaxValue;
        double maximum = double.MinValue;
        double sum = 0.0;
        double squareSum = 0.0;
        foreach (double value in values)
        {
            minimum = Math.Min(minimum, value);
            maximum = Math.Max(maximum, value);
            sum += value;
            squareSum += value * value;
        }
        double mean = sum / n;
        double std = Math.Sqrt((squareSum - (sum * sum / n)) / n);

        double[] series = [.. values];
        if (options.Period > 0)
        {
            Deseasonalizer.Remove(options.DeseasonalityMode, values, options.Period, series);
        }

        var columns = new Columns(n);
        double[] saliencyRe = SpectralResidual(series, mean, std, columns);
        var range = (minimum, maximum);
        switch (options.DetectMode)
        {
            case SrCnnDetectMode.AnomalyAndMargin when options.Period > 0:
                MarginWithPeriod(values, series, saliencyRe, range, columns);
                break;
            case SrCnnDetectMode.AnomalyAndMargin:
                Margin(values, range, columns);
                break;
            case SrCnnDetectMode.AnomalyAndExpectedValue when options.Period > 0:
                ExpectedValueWithPeriod(values, series, range, columns);
                break;
            case SrCnnDetectMode.AnomalyAndExpectedValue:
                double[] expected = ExpectedValueByFft(values, columns.Score);
                for (int i = 0; i < n; i++)
                {
                    columns.Expected[i] = ClipToDataRange(expected[i], range);
                }
                break;
        }

        for (int i = 0; i < n; i++)
        {
            output[i] = new SrCnnBatchPoint(
                columns.Anomaly[i] > 0, columns.Score[i], columns.Magnitude[i],
                columns.Expected[i], columns.Unit[i], columns.Upper[i], columns.Lower[i]);
        }
    }

    // Returns the real part of the saliency transform, which the periodic margin mode reads.
    private double[] SpectralResidual(double[] values, double mean, double std, Columns columns)
    {
        int n = values.Length;
        int length = n + BackAddWindowSize;
        double[] re = new double[length];
        double[] im = new double[length];
        values.CopyTo(re, 0);
        re.AsSpan(n).Fill(PredictNext(values.AsSpan(n - LookaheadWindowSize - 2, LookaheadWindowSize + 1)));

        var fft = Fft(length);
        fft.Forward(re, im);
        double[] magnitude = new double[length];
        double[] logMagnitude = new double[length];
        for (int i = 0; i < length; i++)
        {
            magnitude[i] = Math.Sqrt((re[i] * re[i]) + (im[i] * im[i]));
            logMagnitude[i] = magnitude[i] > Eps ? Math.Log(magnitude[i]) : 0;
        }

        double[] average = AverageFilter(logMagnitude, AveragingWindowSize);
        for (int i = 0; i < length; i++)
        {
            if (logMagnitude[i] != 0)
            {
                double spectral = Math.Exp(logMagnitude[i] - average[i]);
                re[i] = re[i] * spectral / magnitude[i];
                im[i] = im[i] * spectral / magnitude[i];
            }
            else
            {
                re[i] = 0;
                im[i] = 0;
            }
        }

        fft.Backward(re, im);
        double scale = 1.0 / length;
        double[] saliency = new double[length];
        for (int i = 0; i < length; i++)
        {
            re[i] *= scale;
            im[i] *= scale;
            saliency[i] = Math.Sqrt((re[i] * re[i]) + (im[i] * im[i]));
        }

        average = AverageFilter(saliency, Math.Min(length, JudgementWindowSize));

        // A point near the start has too short a trailing average to stand out; give the first ones a fuller one.
        int minimumWindow = Math.Min(length, MinimumScoreWindowSize);
        for (int i = 0; i <= minimumWindow; i++)
        {
            average[i] = average[minimumWindow - 1];
        }

        for (int i = 0; i < n; i++)
        {
            double divisor = Math.Abs(average[i]) < Eps ? Eps : average[i];
            double score = Math.Abs(saliency[i] - average[i]) / divisor;
            score /= 10.0f;
            score = Math.Min(score, 1.0);
            score = Math.Max(score, 0.0);

            bool anomaly = score > options.Threshold;
            if (anomaly)
            {
                // Cancels anomalies within 1.5 standard deviations of the mean.
                double zScore = Math.Abs(values[i] - mean) / std;
                if (std < Eps || zScore < ZScoreThreshold)
                {
                    anomaly = false;
                    score = 0.0;
                }
            }

            columns.Anomaly[i] = anomaly ? 1 : 0;
            columns.Score[i] = score;
            columns.Magnitude[i] = saliency[i];
        }
        return re;
    }

    private static double PredictNext(ReadOnlySpan<double> data)
    {
        int n = data.Length;
        double slopeSum = 0.0;
        for (int i = 0; i < n - 1; i++)
        {
            slopeSum += (data[n - 1] - data[i]) / (n - 1 - i);
        }
        return data[1] + slopeSum;
    }

    private static double[] AverageFilter(double[] data, int q)
    {
        double[] result = new double[data.Length];
        double sum = 0.0;
        for (int i = 0; i < data.Length; i++)
        {
            sum += data[i];
            result[i] = sum;
        }
        for (int i = data.Length - 1; i >= q; i--)
        {
            result[i] = (result[i] - result[i - q]) / q;
        }
        for (int i = 1; i < q; i++)
        {
            result[i] /= i + 1;
        }
        return result;
    }

    private static void ExpectedValueWithPeriod(double[] values, double[] residual, (double Min, double Max) range, Columns columns)
    {
        for (int i = 0; i < values.Length; i++)
        {
            columns.Expected[i] = ClipToDataRange(values[i] - residual[i], range);
        }
    }

    private void Margin(double[] values, (double Min, double Max) range, Columns columns)
    {
        double[] expected = ExpectedValueByFft(values, columns.Score);
        double[] units = BoundaryUnits(values, columns.Anomaly);
        for (int i = 0; i < values.Length; i++)
        {
            double margin = CalculateMargin(units[i], options.Sensitivity);
            columns.Expected[i] = ClipToDataRange(expected[i], range);
            columns.Unit[i] = units[i];
            columns.Upper[i] = expected[i] + margin;
            columns.Lower[i] = expected[i] - margin;
            columns.Score[i] = AnomalyScore(values[i], expected[i], units[i], columns.Anomaly[i] > 0);
            columns.Anomaly[i] = columns.Anomaly[i] > 0 && (values[i] < columns.Lower[i] || values[i] > columns.Upper[i]) ? 1 : 0;
            if (columns.Anomaly[i] == 0)
            {
                columns.Expected[i] = PullWithinBound(values[i], columns.Expected[i], units[i]);
                columns.Upper[i] = columns.Expected[i] + margin;
                columns.Lower[i] = columns.Expected[i] - margin;
            }
        }
    }

    private void MarginWithPeriod(double[] values, double[] residual, double[] saliencyRe, (double Min, double Max) range, Columns columns)
    {
        int n = values.Length;
        ExpectedValueWithPeriod(values, residual, range, columns);
        double[] units = BoundaryUnits(values, columns.Anomaly);
        for (int i = 0; i < n; i++)
        {
            double margin = CalculateMargin(units[i], options.Sensitivity);
            columns.Unit[i] = units[i];
            columns.Upper[i] = columns.Expected[i] + margin;
            columns.Lower[i] = columns.Expected[i] - margin;
            columns.Anomaly[i] = columns.Anomaly[i] > 0 && (values[i] < columns.Lower[i] || columns.Upper[i] < values[i]) ? 1 : 0;
        }

        // Runs of consecutive points outside the bounds. As in ML.NET, a run that starts at index 0 is never recorded.
        var segments = new List<(int Start, int End)>();
        int start = -1;
        int cursor = -1;
        for (int i = 0; i < n; i++)
        {
            if (columns.Lower[i] > values[i] || values[i] > columns.Upper[i])
            {
                if (cursor + 1 == i)
                {
                    cursor = i;
                }
                else
                {
                    if (start > -1)
                    {
                        segments.Add((start, cursor));
                    }
                    start = i;
                    cursor = i;
                }
            }
        }
        if (start > -1)
        {
            segments.Add((start, Math.Max(start, cursor)));
        }

        // Two anomalies within one run make the whole stretch between them anomalous.
        var anomalies = new List<int>();
        for (int i = 0; i < n; i++)
        {
            if (columns.Anomaly[i] > 0)
            {
                anomalies.Add(i);
            }
        }
        if (anomalies.Count > 1)
        {
            cursor = 0;
            for (int i = 0; i < anomalies.Count - 1; i++)
            {
                while (cursor < segments.Count && anomalies[i] >= segments[cursor].End)
                {
                    cursor++;
                }
                if (cursor < segments.Count && segments[cursor].Start <= anomalies[i] && anomalies[i + 1] <= segments[cursor].End)
                {
                    for (int j = anomalies[i]; j < anomalies[i + 1]; j++)
                    {
                        columns.Anomaly[j] = 1;
                    }
                }
            }
        }

        for (int i = 0; i < n; i++)
        {
            columns.Score[i] = AnomalyScore(values[i], saliencyRe[i], units[i], columns.Anomaly[i] > 0);
            if (columns.Anomaly[i] == 0)
            {
                double margin = columns.Upper[i] - columns.Expected[i];
                columns.Expected[i] = PullWithinBound(values[i], columns.Expected[i], units[i]);
                columns.Upper[i] = columns.Expected[i] + margin;
                columns.Lower[i] = columns.Expected[i] - margin;
            }
        }
    }

    // Anomalies (score > 0.35) are replaced by a line through their nearest normal neighbours, then the frequencies
    // between 3N/8 and 5N/8 are removed.
    private double[] ExpectedValueByFft(double[] values, double[] scores)
    {
        int n = values.Length;
        double[] data = DeAnomalise(values, scores);
        double[] im = new double[n];
        var fft = Fft(n);
        fft.Forward(data, im);
        for (int i = 0; i < n; i++)
        {
            if (i > (double)n * 3 / 8 && i < (double)n * 5 / 8)
            {
                data[i] = 0.0f;
                im[i] = 0.0f;
            }
        }
        fft.Backward(data, im);
        double scale = 1.0 / n;
        for (int i = 0; i < n; i++)
        {
            data[i] *= scale;
        }
        return data;
    }

    private static double[] DeAnomalise(double[] data, double[] scores)
    {
        int n = data.Length;
        double[] result = [.. data];
        bool[] isAnomaly = new bool[n];
        var anomalies = new List<int>();
        for (int i = 0; i < n; i++)
        {
            if (scores[i] > DeanomalyThreshold)
            {
                isAnomaly[i] = true;
                anomalies.Add(i);
            }
        }

        var fit = new List<int>();
        foreach (int index in anomalies)
        {
            int step = 1;
            int start = Math.Max(index - step, 0);
            int end = Math.Min(n - 1, index + step);
            Neighbours(start, end);
            while (fit.Count < MinPointsToFit && (start > 0 || end < n - 1))
            {
                step += 2;
                start = Math.Max(index - step, 0);
                end = Math.Min(n - 1, index + step);
                Neighbours(start, end);
            }

            if (fit.Count > 1)
            {
                result[index] = Interpolate(fit, data, index);
            }
        }
        return result;

        void Neighbours(int start, int end)
        {
            fit.Clear();
            for (int i = start; i <= end; i++)
            {
                if (!isAnomaly[i])
                {
                    fit.Add(i);
                }
            }
        }
    }

    // Least-squares line through the points, evaluated at index. ML.NET sums the indices as ints; long keeps them exact.
    private static double Interpolate(List<int> indices, double[] data, int index)
    {
        int n = indices.Count;
        long sumXInt = 0;
        long sumXXInt = 0;
        double sumY = 0;
        double sumXY = 0;
        foreach (int i in indices)
        {
            sumXInt += i;
            sumXXInt += (long)i * i;
            sumY += data[i];
        }
        foreach (int i in indices)
        {
            sumXY += i * data[i];
        }
        double sumX = sumXInt;
        double sumXX = sumXXInt;

        double a = ((n * sumXY) - (sumX * sumY)) / ((n * sumXX) - (sumX * sumX));
        double b = ((sumXX * sumY) - (sumX * sumXY)) / ((n * sumXX) - (sumX * sumX));
        return (a * index) + b;
    }

    // Half the mean |trend| of the normal points plus half the point's own |trend|, trend being a centred median.
    private static double[] BoundaryUnits(double[] data, double[] anomaly)
    {
        int window = Math.Min(data.Length / 3, 512);
        double trendFraction = 0.5;
        double trendSum = 0;
        int calculationSize = 0;
        bool closeToZero = true;

        double[] trends = MedianFilter(data, window);
        for (int i = 0; i < trends.Length; i++)
        {
            if (!(anomaly[i] > 0))
            {
                closeToZero = closeToZero && trends[i] < Eps;
                trendSum += Math.Abs(trends[i]);
                calculationSize++;
            }
        }

        double averageTrendPart = 0;
        if (calculationSize > 0)
        {
            averageTrendPart = trendSum / calculationSize * (1 - trendFraction);
        }
        else
        {
            trendFraction = 1.0;
        }

        double[] units = new double[trends.Length];
        for (int i = 0; i < units.Length; i++)
        {
            units[i] = closeToZero ? UnitForZero : averageTrendPart + (Math.Abs(trends[i]) * trendFraction);
            if (double.IsInfinity(units[i]))
            {
                throw new ArithmeticException("Boundary unit is not finite.");
            }
        }
        return units;
    }

    // ML.NET's MedianFilter with needTwoEnd = true: a sorted sliding window, shrinking towards both ends.
    private static double[] MedianFilter(double[] data, int window)
    {
        int wLen = (window / 2 * 2) + 1;
        int tLen = data.Length;
        double[] trends = [.. data];
        double[] sorted = new double[wLen];
        if (tLen < wLen)
        {
            return trends;
        }

        for (int i = 0; i < wLen; i++)
        {
            int index = i;
            int addId = BisectRight(sorted, 0, i, data[i]);
            while (index > addId)
            {
                sorted[index] = sorted[index - 1];
                index--;
            }
            sorted[addId] = data[i];
            if (i >= wLen / 2)
            {
                trends[i - (wLen / 2)] = SortedMedian(sorted, 0, i + 1);
            }
        }

        trends[window / 2] = SortedMedian(sorted, 0, wLen);

        for (int i = (window / 2) + 1; i < tLen - (window / 2); i++)
        {
            int deleteId = BisectRight(sorted, 0, wLen, data[i - (window / 2) - 1]) - 1;
            int index = deleteId;
            while (index < wLen - 1)
            {
                sorted[index] = sorted[index + 1];
                index++;
            }
            int addId = BisectRight(sorted, 0, wLen - 1, data[i + (window / 2)]);
            index = wLen - 1;
            while (index > addId)
            {
                sorted[index] = sorted[index - 1];
                index--;
            }
            sorted[addId] = data[i + (window / 2)];
            trends[i] = SortedMedian(sorted, 0, wLen);
        }

        for (int i = tLen - (window / 2); i < tLen; i++)
        {
            int deleteId = BisectRight(sorted, 0, wLen, data[i - (window / 2) - 1]) - 1;
            int index = deleteId;
            while (index < wLen - 1)
            {
                sorted[index] = sorted[index + 1];
                index++;
            }
            wLen--;
            trends[i] = SortedMedian(sorted, 0, wLen);
        }
        return trends;
    }

    private static int BisectRight(double[] sorted, int begin, int end, double target)
    {
        while (begin < end)
        {
            int mid = begin + ((end - begin) / 2);
            if (sorted[mid] <= target)
            {
                begin = mid + 1;
            }
            else
            {
                end = mid;
            }
        }
        return begin;
    }

    private static double SortedMedian(double[] sorted, int begin, int end)
    {
        int n = end - begin;
        if (n % 2 == 1)
        {
            return sorted[begin + (n / 2)];
        }
        int mid = begin + (n / 2);
        return (sorted[mid - 1] + sorted[mid]) / 2;
    }

    internal static double CalculateMargin(double unit, double sensitivity)
    {
        if (Math.Floor(sensitivity) == sensitivity)
        {
            return unit * Factors[(int)sensitivity];
        }
        int lb = (int)sensitivity;
        return (Factors[lb + 1] + ((Factors[lb] - Factors[lb + 1]) * (1 - sensitivity + lb))) * unit;
    }

    // The sensitivity (/100) at which |expected − value| / unit would sit exactly on the margin.
    internal static double AnomalyScore(double value, double expected, double unit, bool isAnomaly)
    {
        if (!isAnomaly)
        {
            return 0.0;
        }

        double distanceFactor = Math.Abs(expected - value) / unit;
        int lb = 0;
        int ub = 100;
        while (lb < ub)
        {
            int mid = (lb + ub) / 2;
            if (Factors[100 - mid] < distanceFactor)
            {
                lb = mid + 1;
            }
            else
            {
                ub = mid;
            }
        }

        double score;
        if (Factors[100 - lb] == distanceFactor || lb == 0)
        {
            score = lb;
        }
        else
        {
            double lowerMargin = Factors[101 - lb];
            double upperMargin = Factors[100 - lb];
            score = lb - 1 + ((distanceFactor - lowerMargin) / (upperMargin - lowerMargin));
        }
        return score / 100.0f;
    }

    private static double PullWithinBound(double value, double expected, double unit)
    {
        double boundMargin = CalculateMargin(unit, BoundSensitivity);
        return Math.Max(Math.Min(expected, value + boundMargin), value - boundMargin);
    }

    // A series that never changes sign keeps its expected values on that side of zero.
    private static double ClipToDataRange(double expected, (double Min, double Max) range)
    {
        if (range.Min >= 0 && expected < 0)
        {
            return 0;
        }
        if (range.Max <= 0 && expected > 0)
        {
            return 0;
        }
        return expected;
    }

    private ComplexFft Fft(int length)
    {
        if (!_ffts.TryGetValue(length, out var fft))
        {
            fft = new ComplexFft(length);
            _ffts.Add(length, fft);
        }
        return fft;
    }

    private sealed class Columns
    {
        public Columns(int n)
        {
            Anomaly = new double[n];
            Score = new double[n];
            Magnitude = new double[n];
            Expected = Nan(n);
            Unit = Nan(n);
            Upper = Nan(n);
            Lower = Nan(n);
        }

        public double[] Anomaly { get; }

        public double[] Score { get; }

        public double[] Magnitude { get; }

        public double[] Expected { get; }

        public double[] Unit { get; }

        public double[] Upper { get; }

        public double[] Lower { get; }

        private static double[] Nan(int n)
        {
            double[] values = new double[n];
            Array.Fill(values, double.NaN);
            return values;
        }
    }
}
