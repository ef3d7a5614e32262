using System.Collections.Generic;
using System.Linq;

namespace NormGen;

/// <summary>Short lists of names for error messages: enough to recognize a prefix, not the whole file.</summary>
internal static class StateText
{
    private const int Shown = 8;

    public static string ListNames(IEnumerable<string> names)
    {
        List<string> all = names.ToList();
        if (all.Count == 0)
        {
            return "none";
        }

        IEnumerable<string> quoted = all.Take(Shown).Select(n => "'" + n + "'");
        return string.Join(", ", quoted) + (all.Count > Shown ? ", ... (" + (all.Count - Shown) + " more)" : "");
    }
}
