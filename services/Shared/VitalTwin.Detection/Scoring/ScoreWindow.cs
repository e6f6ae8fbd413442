using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace VitalTwin.Detection;

// The last W raw scores as float32, like ML.NET's buffer, and the O(W) pass over them that each new score costs.
// Each score is stored twice, W apart, so the window is one contiguous run wherever the ring starts and the pass
// reads it in vectors without wrapping.
internal sealed class ScoreWindow
{
    private const int Lanes = 8;

    // Room for the last, partly filled block of 8 to be read whole; its surplus lanes are ignored.
    private readonly float[] _values;
    private int _oldest;

    public ScoreWindow(int capacity)
    {
        Capacity = capacity;
        _values = new float[(2 * capacity) + Lanes];
    }

    public int Capacity { get; }

    public int Count { get; private set; }

    public bool IsFull => Count == Capacity;

    public float this[int age] => _values[_oldest + age];

    public void Append(float score)
    {
        if (IsFull)
        {
            _values[_oldest] = score;
            _values[_oldest + Capacity] = score;
            _oldest = _oldest + 1 == Capacity ? 0 : _oldest + 1;
        }
        else
        {
            _values[Count] = score;
            _values[Count + Capacity] = score;
            Count++;
        }
    }

    // For a new score r against the window b_0 (oldest) … b_(n−1), in ML.NET's order of operations:
    //   p −= erf((r − b_i) / bandwidth), i = 0 … n−1;
    //   S += (r − b_i)², i = 0 … n−1;
    //   if the window is full, b_0 is about to go: S −= (float)(b_0 − b_i)², i = 1 … n−1 (ML.NET takes this
    //   difference in float32), then S −= (b_0 − r)².
    // Σ b_i is summed in 8 lanes by age, so it too depends only on the window's contents, never on the ring's offset.
    //
    // The erf terms, the costly part, are computed 8 at a time, but p and S are still added one term at a time in
    // that order: S lives for the whole stream and sets every bandwidth, and any other order of additions would
    // let it drift away from ML.NET's. S is then a chain of 2n dependent additions; each block of 8 erf terms is
    // interleaved with two blocks of that chain, so that the chain's latency hides behind the erf arithmetic.
    public KernelPass Pass(double score, double bandwidth, double sumSquaredDist)
    {
        if (!Vector256.IsHardwareAccelerated)
        {
            return ScalarPass(score, bandwidth, sumSquaredDist);
        }

        ref float window = ref _values[_oldest];
        int count = Count;
        int blocks = (count + Lanes - 1) / Lanes;
        int chainBlocks = IsFull ? 2 * blocks : blocks;
        double negatedErfSum = 0;
        var scoreSumLow = Vector256<double>.Zero;
        var scoreSumHigh = Vector256<double>.Zero;
        var terms = default(Lanes8);
        for (int block = 0; block < blocks; block++)
        {
            var values = Vector256.LoadUnsafe(ref window, (nuint)(block * Lanes));
            var low = Vector256.WidenLower(values);
            var high = Vector256.WidenUpper(values);
            if (Vector512.IsHardwareAccelerated)
            {
                var diff = Vector512.Create(score) - Avx512F.ConvertToVector512Double(values);
                terms.Set(AbramowitzStegun.Erf(diff / Vector512.Create(bandwidth)));
            }
            else
            {
                var r = Vector256.Create(score);
                var h = Vector256.Create(bandwidth);
                terms.Set(AbramowitzStegun.Erf((r - low) / h), AbramowitzStegun.Erf((r - high) / h));
            }

            int live = LiveLanes(count, block);
            negatedErfSum = terms.Subtract(negatedErfSum, live);
            if (live == Lanes)
            {
                scoreSumLow += low;
                scoreSumHigh += high;
            }
            else
            {
                var remaining = Vector256.Create((double)live);
                scoreSumLow += low & Vector256.LessThan(Vector256<double>.Indices, remaining);
                scoreSumHigh += high & Vector256.LessThan(Vector256<double>.Indices + Vector256.Create(4.0), remaining);
            }

            for (int chainBlock = 2 * block; chainBlock < Math.Min((2 * block) + 2, chainBlocks); chainBlock++)
            {
                sumSquaredDist = chainBlock < blocks
                    ? AddPairs(ref window, count, chainBlock, score, sumSquaredDist)
                    : SubtractOldestPairs(ref window, count, chainBlock - blocks, sumSquaredDist);
            }
        }

        if (IsFull)
        {
            double evicted = window - score;
            sumSquaredDist -= evicted * evicted;
        }

        // Lanes (0+4, 1+5, 2+6, 3+7) reduced as ((0+4)+(2+6)) + ((1+5)+(3+7)).
        var pairs = scoreSumLow + scoreSumHigh;
        var quads = pairs.GetLower() + pairs.GetUpper();
        return new KernelPass(negatedErfSum, sumSquaredDist, quads.GetElement(0) + quads.GetElement(1));
    }

    // The same operations one lane at a time, for machines without 256-bit vectors.
    private KernelPass ScalarPass(double score, double bandwidth, double sumSquaredDist)
    {
        double negatedErfSum = 0;
        var scoreSums = default(Lanes8);
        for (int i = 0; i < Count; i++)
        {
            double value = this[i];
            double diff = score - value;
            negatedErfSum -= AbramowitzStegun.Erf(diff / bandwidth);
            sumSquaredDist += diff * diff;
            scoreSums[i % Lanes] += value;
        }

        if (IsFull)
        {
            float oldest = this[0];
            for (int i = 1; i < Count; i++)
            {
                double difference = oldest - this[i];
                sumSquaredDist -= difference * difference;
            }

            double evicted = oldest - score;
            sumSquaredDist -= evicted * evicted;
        }

        double scoreSum = ((scoreSums[0] + scoreSums[4]) + (scoreSums[2] + scoreSums[6]))
            + ((scoreSums[1] + scoreSums[5]) + (scoreSums[3] + scoreSums[7]));
        return new KernelPass(negatedErfSum, sumSquaredDist, scoreSum);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double AddPairs(ref float window, int count, int block, double score, double sumSquaredDist)
    {
        var values = Vector256.LoadUnsafe(ref window, (nuint)(block * Lanes));
        var squares = default(Lanes8);
        if (Vector512.IsHardwareAccelerated)
        {
            var diff = Vector512.Create(score) - Avx512F.ConvertToVector512Double(values);
            squares.Set(diff * diff);
        }
        else
        {
            var r = Vector256.Create(score);
            var low = r - Vector256.WidenLower(values);
            var high = r - Vector256.WidenUpper(values);
            squares.Set(low * low, high * high);
        }

        return squares.Add(sumSquaredDist, LiveLanes(count, block));
    }

    // Includes i = 0, which ML.NET skips: (b_0 − b_0)² is +0, and subtracting +0 leaves any S bit for bit unchanged.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double SubtractOldestPairs(ref float window, int count, int block, double sumSquaredDist)
    {
        var differences = Vector256.Create(window) - Vector256.LoadUnsafe(ref window, (nuint)(block * Lanes));
        var squares = default(Lanes8);
        if (Vector512.IsHardwareAccelerated)
        {
            var wide = Avx512F.ConvertToVector512Double(differences);
            squares.Set(wide * wide);
        }
        else
        {
            var low = Vector256.WidenLower(differences);
            var high = Vector256.WidenUpper(differences);
            squares.Set(low * low, high * high);
        }

        return squares.Subtract(sumSquaredDist, LiveLanes(count, block));
    }

    private static int LiveLanes(int count, int block) => Math.Min(Lanes, count - (block * Lanes));

    // 8 doubles on the stack, so that a vector's lanes can be added to a running sum one by one.
    [InlineArray(Lanes)]
    private struct Lanes8
    {
        private double _lane;

        public void Set(Vector512<double> lanes) => lanes.StoreUnsafe(ref _lane);

        public void Set(Vector256<double> low, Vector256<double> high)
        {
            low.StoreUnsafe(ref _lane);
            high.StoreUnsafe(ref _lane, 4);
        }

        // Lane by lane, in order; whole blocks unrolled.
        public readonly double Add(double sum, int count)
        {
            if (count == Lanes)
            {
                return sum + this[0] + this[1] + this[2] + this[3] + this[4] + this[5] + this[6] + this[7];
            }

            for (int lane = 0; lane < count; lane++)
            {
                sum += this[lane];
            }

            return sum;
        }

        public readonly double Subtract(double sum, int count)
        {
            if (count == Lanes)
            {
                return sum - this[0] - this[1] - this[2] - this[3] - this[4] - this[5] - this[6] - this[7];
            }

            for (int lane = 0; lane < count; lane++)
            {
                sum -= this[lane];
            }

            return sum;
        }
    }
}
