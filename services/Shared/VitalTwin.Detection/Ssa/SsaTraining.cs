using MathNet.Numerics;
using MathNet.Numerics.LinearAlgebra;
using MathNet.Numerics.LinearAlgebra.Factorization;

namespace VitalTwin.Detection;

// The batch steps of ML.NET's SSA training (AdaptiveSingularSpectrumSequenceModeler.TrainCore, DETECTORS.md §1.3):
// eigenbasis of the trajectory matrix, rank selection by free-run forecast error, and the noise moments behind
// forecast intervals. Eigenvectors are stored as rows of a row-major L×L array, largest eigenvalue first.
internal static class SsaTraining
{
    public static bool TryEigenbasis(ReadOnlySpan<double> series, int windowSize, out double[] vectors)
    {
        int l = windowSize;
        int k = series.Length - l + 1;
        var covariance = new double[l, l];

        // C = H·Hᵀ with H[j][i] = x[i + j]: the first row directly, every other entry from its upper-left neighbour.
        for (int j = 0; j < l; j++)
        {
            double sum = 0;
            for (int i = 0; i < k; i++)
            {
                sum += series[i] * series[i + j];
            }

            covariance[0, j] = sum;
        }

        for (int i = 1; i < l; i++)
        {
            for (int j = 0; j < i; j++)
            {
                covariance[i, j] = covariance[j, i];
            }

            for (int j = i; j < l; j++)
            {
                covariance[i, j] = covariance[i - 1, j - 1] - (series[i - 1] * series[j - 1]) + (series[i + k - 1] * series[j + k - 1]);
            }
        }

        vectors = new double[l * l];
        foreach (double c in covariance)
        {
            if (!double.IsFinite(c))
            {
                return false;
            }
        }

        Evd<double> evd;
        try
        {
            evd = Matrix<double>.Build.DenseOfArray(covariance).Evd(Symmetricity.Symmetric);
        }
        catch (NonConvergenceException)
        {
            return false;
        }

        var order = new int[l];
        var eigenvalues = new double[l];
        for (int i = 0; i < l; i++)
        {
            order[i] = i;
            eigenvalues[i] = evd.EigenValues[i].Real;
        }

        // Descending, ties in the decomposition's order, so the basis does not depend on the sort's stability.
        Array.Sort(order, (a, b) => eigenvalues[b] != eigenvalues[a] ? eigenvalues[b].CompareTo(eigenvalues[a]) : a.CompareTo(b));
        var eigenvectors = evd.EigenVectors;
        for (int i = 0; i < l; i++)
        {
            for (int j = 0; j < l; j++)
            {
                vectors[(i * l) + j] = eigenvectors[j, order[i]];
            }
        }

        return true;
    }

    // ML.NET's DetermineSignalRank: for r = 1..maxRank, reconstruct the series from the first r eigentriples and
    // free-run the r-dimensional recurrence over the last evalLen points; the r with the smallest absolute error wins.
    public static int SelectRank(ReadOnlySpan<double> series, double[] vectors, int windowSize, int maxRank, double[] bestSignal)
    {
        int l = windowSize;
        int n = series.Length;
        int k = n - l + 1;
        int evaluationLength = Math.Min(Math.Max(l, 200), k);
        var reconstruction = new double[n];
        var alpha = new double[l - 1];
        var projection = new double[k];
        var run = new double[l - 1 + evaluationLength];
        double nu = 0;
        double minError = double.MaxValue;
        int best = maxRank - 1;

        for (int r = 0; r < maxRank; r++)
        {
            var u = vectors.AsSpan(r * l, l);
            double lambda = u[l - 1];
            for (int j = 0; j < l - 1; j++)
            {
                alpha[j] += lambda * u[j];
            }

            nu += lambda * lambda;

            for (int i = 0; i < k; i++)
            {
                projection[i] = Dot(u, series.Slice(i, l));
            }

            AddHankelized(u, projection, reconstruction);

            double noiseMean = 0;
            for (int j = 0; j < n; j++)
            {
                noiseMean += series[j] - reconstruction[j];
            }

            noiseMean /= n;

            reconstruction.AsSpan(n - evaluationLength - l + 1, l - 1).CopyTo(run);
            double error = 0;
            for (int j = 0; j < evaluationLength; j++)
            {
                double forecast = (Dot(alpha, run.AsSpan(j, l - 1)) / (1 - nu)) + noiseMean;
                run[l - 1 + j] = forecast;
                error += Math.Abs(series[n - evaluationLength + j] - forecast);
                if (error > minError)
                {
                    break;
                }
            }

            if (error < minError)
            {
                minError = error;
                best = r;
                reconstruction.CopyTo(bestSignal, 0);
            }
        }

        return best + 1;
    }

    // ML.NET's ReconstructSignalTailFast, used with a fixed rank: the last 2L − 1 points of the reconstruction, from
    // two windows only (so the middle point is the average of two estimates rather than a full diagonal average).
    public static double[] ReconstructTail(ReadOnlySpan<double> series, ReadOnlySpan<double> basis, int windowSize, int rank)
    {
        int l = windowSize;
        var output = new double[(2 * l) - 1];
        var first = series.Slice(series.Length - (2 * l) + 1, l);
        var second = series.Slice(series.Length - l, l);
        for (int r = 0; r < rank; r++)
        {
            var u = basis.Slice(r * l, l);
            double v = Dot(u, first);
            for (int j = 0; j < l - 1; j++)
            {
                output[j] += v * u[j];
            }

            double middle = v * u[l - 1];
            v = Dot(u, second);
            for (int j = l; j < (2 * l) - 1; j++)
            {
                output[j] += v * u[j - l + 1];
            }

            middle += v * u[0];
            output[l - 1] += middle / 2;
        }

        return output;
    }

    // ComputeNoiseMoments: the observation noise is series − signal, the autoregression noise is what the recurrence
    // misses on the signal itself. ML.NET divides the latter by K − L + 1 and forces both means to 0 afterwards.
    public static (double Observation, double Autoregression) NoiseVariances(
        ReadOnlySpan<double> series, ReadOnlySpan<double> signal, ReadOnlySpan<double> alpha)
    {
        int n = signal.Length;
        int l = alpha.Length + 1;
        int k = n - l + 1;

        double mean = 0;
        double squares = 0;
        for (int i = 0; i < n; i++)
        {
            double residual = series[i] - signal[i];
            mean += residual;
            squares += residual * residual;
        }

        mean /= n;
        double observation = Math.Max((squares / n) - (mean * mean), 0);

        Span<double> residuals = k <= 256 ? stackalloc double[k] : new double[k];
        double arMean = 0;
        for (int i = 0; i < k; i++)
        {
            residuals[i] = signal[l - 1 + i] - Dot(alpha, signal.Slice(i, l - 1));
            arMean += residuals[i];
        }

        arMean /= k;
        double arSquares = 0;
        foreach (double residual in residuals)
        {
            arSquares += (residual - arMean) * (residual - arMean);
        }

        return (observation, arSquares / (k - l + 1));
    }

    public static double Dot(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        double sum = 0;
        for (int i = 0; i < a.Length; i++)
        {
            sum += a[i] * b[i];
        }

        return sum;
    }

    // Adds the diagonal averages of the rank-one matrix u·vᵀ (L × K) to the series.
    private static void AddHankelized(ReadOnlySpan<double> u, ReadOnlySpan<double> v, Span<double> series)
    {
        int l = u.Length;
        int k = v.Length;
        for (int t = 0; t < series.Length; t++)
        {
            int first = Math.Max(0, t - k + 1);
            int last = Math.Min(l - 1, t);
            double sum = 0;
            for (int j = first; j <= last; j++)
            {
                sum += u[j] * v[t - j];
            }

            series[t] += sum / (last - first + 1);
        }
    }
}
