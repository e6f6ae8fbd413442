using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace VitalTwin.Deploy.Tests;

/// <summary>
/// YAML read into JSON nodes, typed as Helm and Compose type plain scalars (YAML 1.2 core schema: true/false,
/// null, integers, floats; anything quoted stays a string). Merge keys (&lt;&lt;) are resolved, as Compose does.
/// </summary>
internal static partial class Yaml
{
    public static IReadOnlyList<JsonNode?> LoadAll(string text)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(text));
        return stream.Documents.Select(document => ToJson(document.RootNode)).ToList();
    }

    public static JsonNode? Load(string text) => LoadAll(text).Single();

    public static JsonObject LoadObject(params string[] pathParts) =>
        Load(Repository.Read(pathParts)) as JsonObject ?? throw new InvalidDataException($"{Path.Combine(pathParts)} is not a YAML mapping.");

    public static JsonElement ToElement(JsonNode? node) => JsonSerializer.SerializeToElement(node);

    /// <summary>Helm's merge of a values file over another: mappings merge key by key, null deletes, anything else replaces.</summary>
    public static JsonObject MergeValues(JsonObject baseValues, JsonObject overlay)
    {
        var result = (JsonObject)baseValues.DeepClone();
        foreach (var (key, value) in overlay)
        {
            if (value is null)
            {
                result.Remove(key);
            }
            else if (value is JsonObject overlayChild && result[key] is JsonObject baseChild)
            {
                result[key] = MergeValues(baseChild, overlayChild);
            }
            else
            {
                result[key] = value.DeepClone();
            }
        }

        return result;
    }

    /// <summary>The node at a dotted path ("services.gateway.image"), or null.</summary>
    public static JsonNode? At(JsonNode? node, string dottedPath)
    {
        foreach (var part in dottedPath.Split('.'))
        {
            node = node is JsonObject obj && obj.TryGetPropertyValue(part, out var child) ? child : null;
        }

        return node;
    }

    private static JsonNode? ToJson(YamlNode node) => node switch
    {
        YamlMappingNode mapping => ToObject(mapping),
        YamlSequenceNode sequence => new JsonArray(sequence.Children.Select(ToJson).ToArray()),
        YamlScalarNode scalar => ToScalar(scalar),
        _ => throw new InvalidDataException($"Unexpected YAML node {node.NodeType} at {node.Start}."),
    };

    private static JsonObject ToObject(YamlMappingNode mapping)
    {
        var result = new JsonObject();
        var merges = new List<YamlNode>();
        foreach (var (key, value) in mapping.Children)
        {
            var name = ((YamlScalarNode)key).Value ?? throw new InvalidDataException($"Empty key at {key.Start}.");
            if (name == "<<")
            {
                merges.AddRange(value is YamlSequenceNode list ? list.Children : [value]);
            }
            else
            {
                result.Add(name, ToJson(value));
            }
        }

        // Merged entries never replace the mapping's own keys, wherever the merge key stands.
        foreach (var source in merges.Select(ToJson).OfType<JsonObject>())
        {
            foreach (var (key, value) in source)
            {
                if (!result.ContainsKey(key))
                {
                    result.Add(key, value?.DeepClone());
                }
            }
        }

        return result;
    }

    private static JsonNode? ToScalar(YamlScalarNode scalar)
    {
        var text = scalar.Value ?? string.Empty;
        if (scalar.Style != ScalarStyle.Plain)
        {
            return JsonValue.Create(text);
        }

        return text switch
        {
            "" or "~" or "null" or "Null" or "NULL" => null,
            "true" or "True" or "TRUE" => JsonValue.Create(true),
            "false" or "False" or "FALSE" => JsonValue.Create(false),
            // Parsed as JSON, so that the value reads as int, long or double alike.
            _ when long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var whole) => JsonNode.Parse(whole.ToString(CultureInfo.InvariantCulture)),
            _ when FloatPattern().IsMatch(text) => JsonNode.Parse(double.Parse(text, CultureInfo.InvariantCulture).ToString("R", CultureInfo.InvariantCulture)),
            _ => JsonValue.Create(text),
        };
    }

    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")]
    private static partial Regex FloatPattern();
}
