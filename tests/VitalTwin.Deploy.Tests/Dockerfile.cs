using System.Text.Json;

namespace VitalTwin.Deploy.Tests;

/// <summary>A Dockerfile read as its instructions, continuation lines joined and comments dropped.</summary>
internal sealed record Dockerfile(string Path, IReadOnlyList<(string Instruction, string Arguments)> Instructions)
{
    public static Dockerfile Load(string path)
    {
        var instructions = new List<(string, string)>();
        var pending = "";
        foreach (var raw in File.ReadAllLines(path))
        {
            var line = raw.Trim();
            if (pending.Length == 0 && (line.Length == 0 || line.StartsWith('#')))
            {
                continue;
            }

            if (line.EndsWith('\\'))
            {
                pending += line[..^1] + " ";
                continue;
            }

            var full = (pending + line).Trim();
            pending = "";
            var space = full.IndexOf(' ', StringComparison.Ordinal);
            instructions.Add((full[..space].ToUpperInvariant(), full[(space + 1)..].Trim()));
        }

        return new Dockerfile(path, instructions);
    }

    public IEnumerable<string> All(string instruction) =>
        Instructions.Where(i => i.Instruction == instruction).Select(i => i.Arguments);

    /// <summary>The ARGs declared before the first FROM, with their defaults: what a FROM line may use.</summary>
    public IReadOnlyDictionary<string, string> GlobalArguments =>
        Instructions.TakeWhile(i => i.Instruction != "FROM")
            .Where(i => i.Instruction == "ARG")
            .Select(i => i.Arguments.Split('=', 2))
            .ToDictionary(pair => pair[0], pair => pair.Length > 1 ? pair[1] : "");

    /// <summary><paramref name="text"/> with every <c>${NAME}</c> of <see cref="GlobalArguments"/> replaced by its default.</summary>
    public string WithDefaults(string text) =>
        GlobalArguments.Aggregate(text, (result, argument) => result.Replace($"${{{argument.Key}}}", argument.Value, StringComparison.Ordinal));

    /// <summary>The instructions of the last stage (after its FROM).</summary>
    public IReadOnlyList<(string Instruction, string Arguments)> FinalStage =>
        Instructions.Skip(Instructions.ToList().FindLastIndex(i => i.Instruction == "FROM")).ToList();

    /// <summary>ENV key=value pairs of the final stage.</summary>
    public IReadOnlyDictionary<string, string> FinalEnvironment =>
        FinalStage.Where(i => i.Instruction == "ENV")
            .SelectMany(i => i.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Select(pair => pair.Split('=', 2))
            .ToDictionary(pair => pair[0], pair => pair[1]);

    /// <summary>The exec-form ENTRYPOINT of the final stage.</summary>
    public IReadOnlyList<string> Entrypoint =>
        JsonSerializer.Deserialize<string[]>(FinalStage.Last(i => i.Instruction == "ENTRYPOINT").Arguments)!;
}
