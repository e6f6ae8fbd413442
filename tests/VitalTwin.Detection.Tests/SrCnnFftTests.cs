namespace VitalTwin.Detection.Tests;

public sealed class SrCnnFftTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(8)]
    [InlineData(21)]
    [InlineData(69)]
    [InlineData(100)]
    [InlineData(256)]
    [InlineData(1031)]
    [InlineData(128)]
    [InlineData(4)]
    [InlineData(3)]
    public void Matches_a_direct_DFT_in_both_directions(int length)
    {
        var random = new Random(length);
        double[] re = [.. Enumerable.Range(0, length).Select(_ => random.NextDouble() - 0.5)];
        double[] im = [.. Enumerable.Range(0, length).Select(_ => random.NextDouble() - 0.5)];
        var fft = new ComplexFft(length);

        foreach (int sign in new[] { -1, 1 })
        {
            (double[] expectedRe, double[] expectedIm) = DirectDft(re, im, sign);
            double[] actualRe = [.. re];
            double[] actualIm = [.. im];
            if (sign < 0)
            {
                fft.Forward(actualRe, actualIm);
            }
            else
            {
                fft.Backward(actualRe, actualIm);
            }

            double scale = Math.Sqrt(length);
            for (int k = 0; k < length; k++)
            {
                Assert.True(Math.Abs(actualRe[k] - expectedRe[k]) < 1e-12 * scale, $"re[{k}] sign {sign}");
                Assert.True(Math.Abs(actualIm[k] - expectedIm[k]) < 1e-12 * scale, $"im[{k}] sign {sign}");
            }
        }
    }

    private static (double[] Re, double[] Im) DirectDft(double[] re, double[] im, int sign)
    {
        int n = re.Length;
        var outRe = new double[n];
        var outIm = new double[n];
        for (int k = 0; k < n; k++)
        {
            for (int t = 0; t < n; t++)
            {
                double angle = sign * 2 * Math.PI * ((long)k * t % n) / n;
                outRe[k] += (re[t] * Math.Cos(angle)) - (im[t] * Math.Sin(angle));
                outIm[k] += (re[t] * Math.Sin(angle)) + (im[t] * Math.Cos(angle));
            }
        }
        return (outRe, outIm);
    }
}
