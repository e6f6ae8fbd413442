using System.Globalization;
using VitalTwin.Nab.Detectors;

namespace VitalTwin.Nab;

/// <summary>
/// Command line: <c>--nab-dir=&lt;dir&gt;</c> (NAB's layout: data/, labels/, config/), and the detector's
/// <c>--history=&lt;W&gt;</c> and <c>--repeat-window=&lt;fraction of the probationary period&gt;</c>.
/// </summary>
internal sealed record NabOptions(string NabDirectory, SpikeViewsConfiguration Detector)
{
    private const string DefaultNabDirectory = "../shared/data/nab";

    public static NabOptions Parse(IReadOnlyList<string> args)
    {
        string directory = DefaultNabDirectory;
        var detector = new SpikeViewsConfiguration();
        for (int i = 0; i < args.Count; i++)
        {
            string[] parts = args[i].Split('=', 2);
            string value = parts.Length == 2 ? parts[1]
                : i + 1 < args.Count ? args[++i]
                : throw new ArgumentException($"{args[i]} needs a value.");
            switch (parts[0])
            {
                case "--nab-dir":
                    directory = value;
                    break;
                case "--history":
                    detector = detector with { HistoryLength = int.Parse(value, CultureInfo.InvariantCulture) };
                    break;
                case "--repeat-window":
                    detector = detector with { RepeatWindowFraction = double.Parse(value, CultureInfo.InvariantCulture) };
                    break;
                default:
                    throw new ArgumentException($"Unknown option {parts[0]}; use --nab-dir=<dir> and optionally --history=<rows> and --repeat-window=<fraction>.");
            }
        }

        string full = Path.GetFullPath(directory);
        return Directory.Exists(Path.Combine(full, "data"))
            ? new NabOptions(full, detector)
            : throw new DirectoryNotFoundException($"{full} has no data/ folder; pass --nab-dir=<a directory in NAB's layout>.");
    }
}
