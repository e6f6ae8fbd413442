using Grpc.Core;

namespace VitalTwin.Gateway.Tests;

/// <summary>Request bodies that are not, or only nearly, the Protobuf message a method expects; sent as they are.</summary>
internal static class HostileBytes
{
    /// <summary>Sends any bytes as the request body: what a broken or hostile client can put on the wire.</summary>
    public static readonly Marshaller<byte[]> Raw = Marshallers.Create(static (byte[] bytes) => bytes, static bytes => bytes);

    public static readonly string[] Kinds =
    [
        "Empty", "RandomBytes", "BitFlips", "Truncated", "BytesInserted", "SpanRepeated", "HugeLengthPrefix",
        "DeepGroups", "InvalidUtf8", "WrongMessage", "InvalidTag", "Overlong varint",
    ];

    /// <summary>One hostile body of the kind named, derived from <paramref name="valid"/> (an encoding of the expected message) where it mutates.</summary>
    public static byte[] Make(string kind, Random random, byte[] valid, byte[] otherMessage) => kind switch
    {
        "Empty" => [],
        "RandomBytes" => Bytes(random, random.Next(1, 2_000)),
        "BitFlips" => Flip(random, valid),
        "Truncated" => valid[..random.Next(0, Math.Max(1, valid.Length))],
        "BytesInserted" => Insert(random, valid),
        "SpanRepeated" => Repeat(random, valid),
        // Field 1, length-delimited, announcing about 4 GiB that never come.
        "HugeLengthPrefix" => [0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, .. valid],
        // Unknown field 15 as nested start-groups, deeper than any parser's recursion limit.
        "DeepGroups" => [.. Enumerable.Repeat((byte)0x7b, random.Next(100, 5_000))],
        // Field 1 (a reading, or device_id) holding field 1 (patient_id) with bytes that are not UTF-8.
        "InvalidUtf8" => [0x0a, 0x06, 0x0a, 0x04, 0xff, 0xfe, 0xc3, 0x28],
        "WrongMessage" => otherMessage,
        // Field number 0 is never valid.
        "InvalidTag" => [0x00, .. valid],
        "Overlong varint" => [0x18, .. Enumerable.Repeat((byte)0xff, 11), 0x01],
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    private static byte[] Bytes(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    private static byte[] Flip(Random random, byte[] valid)
    {
        var bytes = (byte[])valid.Clone();
        for (var i = random.Next(1, 8); i > 0 && bytes.Length > 0; i--)
        {
            bytes[random.Next(bytes.Length)] ^= (byte)(1 << random.Next(8));
        }
        return bytes;
    }

    private static byte[] Insert(Random random, byte[] valid)
    {
        var at = random.Next(valid.Length + 1);
        return [.. valid[..at], .. Bytes(random, random.Next(1, 16)), .. valid[at..]];
    }

    private static byte[] Repeat(Random random, byte[] valid)
    {
        if (valid.Length == 0)
        {
            return valid;
        }
        var from = random.Next(valid.Length);
        var span = valid[from..Math.Min(valid.Length, from + random.Next(1, 64))];
        return [.. valid[..from], .. span, .. span, .. valid[from..]];
    }
}
