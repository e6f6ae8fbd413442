using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace VitalTwin.Kafka.Embedded;

/// <summary>
/// The parts of librdkafka's mock-cluster API (rdkafka_mock.h) that VitalTwin uses. They live in the same
/// native library Confluent.Kafka loads, but are not wrapped by it.
/// </summary>
internal static partial class NativeMock
{
    private const string Library = "librdkafka";

    static NativeMock() => NativeLibrary.SetDllImportResolver(typeof(NativeMock).Assembly, Resolve);

    /// <summary>Makes sure the resolver is registered before the first P/Invoke.</summary>
    internal static void EnsureLoaded() => RuntimeHelpers.RunClassConstructor(typeof(NativeMock).TypeHandle);

    // Same order as Confluent.Kafka's own loader: the default build first, then the one without
    // libsasl2 (Debian 12 lacks libsasl2.so.3, so Confluent.Kafka silently ends up on centos8's).
    private static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (name != Library)
        {
            return IntPtr.Zero;
        }
        var native = Path.Combine(AppContext.BaseDirectory, "runtimes", RuntimeInformation.RuntimeIdentifier, "native");
        string[] candidates = OperatingSystem.IsLinux()
            ? ["librdkafka.so", "centos8-librdkafka.so", "alpine-librdkafka.so"]
            : OperatingSystem.IsMacOS() ? ["librdkafka.dylib"] : ["librdkafka.dll"];
        var genericNative = Path.Combine(AppContext.BaseDirectory, "runtimes", GenericRid(), "native");
        foreach (var directory in new[] { native, genericNative, AppContext.BaseDirectory })
        {
            foreach (var candidate in candidates)
            {
                if (NativeLibrary.TryLoad(Path.Combine(directory, candidate), out var handle))
                {
                    return handle;
                }
            }
        }
        throw new DllNotFoundException($"librdkafka was not found under {native}; the librdkafka.redist package's runtimes/ folder must be beside the application.");
    }

    private static string GenericRid()
    {
        var os = OperatingSystem.IsLinux() ? "linux" : OperatingSystem.IsMacOS() ? "osx" : "win";
        return $"{os}-{RuntimeInformation.OSArchitecture.ToString().ToLowerInvariant()}";
    }

    internal const int ProducerType = 0;

    [LibraryImport(Library)]
    internal static partial IntPtr rd_kafka_conf_new();

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int rd_kafka_conf_set(IntPtr conf, string name, string value, byte[] errstr, nuint errstrSize);

    [LibraryImport(Library)]
    internal static partial IntPtr rd_kafka_new(int type, IntPtr conf, byte[] errstr, nuint errstrSize);

    [LibraryImport(Library)]
    internal static partial void rd_kafka_destroy(IntPtr rk);

    [LibraryImport(Library)]
    internal static partial IntPtr rd_kafka_mock_cluster_new(IntPtr rk, int brokerCount);

    [LibraryImport(Library)]
    internal static partial void rd_kafka_mock_cluster_destroy(IntPtr cluster);

    [LibraryImport(Library)]
    internal static partial IntPtr rd_kafka_mock_cluster_bootstraps(IntPtr cluster);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int rd_kafka_mock_topic_create(IntPtr cluster, string topic, int partitions, int replicationFactor);

    [LibraryImport(Library)]
    internal static partial void rd_kafka_mock_group_initial_rebalance_delay_ms(IntPtr cluster, int delayMs);

    [LibraryImport(Library)]
    internal static partial int rd_kafka_mock_broker_set_down(IntPtr cluster, int brokerId);

    [LibraryImport(Library)]
    internal static partial int rd_kafka_mock_broker_set_up(IntPtr cluster, int brokerId);

    [LibraryImport(Library)]
    internal static partial int rd_kafka_mock_broker_set_rtt(IntPtr cluster, int brokerId, int rttMs);

    [LibraryImport(Library)]
    internal static partial void rd_kafka_mock_push_request_errors_array(IntPtr cluster, short apiKey, nuint count, int[] errors);

    [LibraryImport(Library)]
    internal static partial void rd_kafka_mock_clear_request_errors(IntPtr cluster, short apiKey);

    [LibraryImport(Library)]
    internal static partial IntPtr rd_kafka_err2str(int error);
}
