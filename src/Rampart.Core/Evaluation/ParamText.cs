using System.Text.Json;

namespace Rampart.Core.Evaluation;

/// <summary>Text form of a JSON parameter value, like Go's <c>%v</c> (POL-007).</summary>
public static class ParamText
{
    public static string Format(JsonElement value) => throw new NotImplementedException();
}
