using System.Collections;
using System.ComponentModel;
using System.Reflection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Alerts.ServiceDefaults;

/// <summary>
/// Fails for every key in a settings section that no property of <typeparamref name="TOptions"/> reads, so a misspelt
/// environment variable (<c>Smtp__Hots</c>) stops the service instead of leaving a default silently in place, and for
/// every value that does not convert, each by its name (the binder itself stops at the first). It walks the section
/// against the type rather than reading the binder's error text, which may change.
/// </summary>
public sealed class SettingsSectionValidator<TOptions>(IConfigurationSection section) : IValidateOptions<TOptions>
    where TOptions : class
{
    public ValidateOptionsResult Validate(string? name, TOptions options)
    {
        var problems = SettingsSection.Problems(section, typeof(TOptions)).ToList();
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}

public static class SettingsSection
{
    /// <returns>One message for each key under <paramref name="section"/> that <paramref name="type"/> has no setting for, or whose value does not convert.</returns>
    public static IEnumerable<string> Problems(IConfigurationSection section, Type type) => Walk(section, type).Select(problem => problem.Message);

    /// <summary>The values under <paramref name="section"/> that do not convert to the setting they are for, by path.</summary>
    public static IEnumerable<string> Unconvertible(IConfigurationSection section, Type type) =>
        Walk(section, type).Where(problem => problem.Unconvertible).Select(problem => problem.Path);

    static IEnumerable<(string Path, string Message, bool Unconvertible)> Walk(IConfigurationSection section, Type type)
    {
        if (IsValue(type))
        {
            if (!Converts(section.Value, type))
            {
                yield return (section.Path, $"'{section.Value}' at '{section.Path}' is not {Describe(type)}", true);
            }

            yield break;
        }

        var elementType = ElementType(type);
        foreach (var child in section.GetChildren())
        {
            var childType = elementType ?? type.GetProperty(child.Key, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase)?.PropertyType;
            if (childType is null)
            {
                yield return (child.Path, $"no setting {child.Path} ({section.Path} has {string.Join(", ", Settings(type))})", false);
                continue;
            }

            foreach (var problem in Walk(child, childType))
            {
                yield return problem;
            }
        }
    }

    /// <summary>What the binder converts from a single string: numbers, text, enums, time spans, addresses.</summary>
    static bool IsValue(Type type) =>
        type == typeof(string) || TypeDescriptor.GetConverter(Nullable.GetUnderlyingType(type) ?? type).CanConvertFrom(typeof(string));

    /// <summary>As the binder converts: an empty value is left to it.</summary>
    static bool Converts(string? value, Type type)
    {
        if (string.IsNullOrEmpty(value) || type == typeof(string))
        {
            return true;
        }

        try
        {
            TypeDescriptor.GetConverter(Nullable.GetUnderlyingType(type) ?? type).ConvertFromInvariantString(value);
            return true;
        }
        catch (Exception unconvertible) when (unconvertible is FormatException or ArgumentException or NotSupportedException or OverflowException)
        {
            return false;
        }
    }

    static string Describe(Type type) => (Nullable.GetUnderlyingType(type) ?? type) switch
    {
        var enumType when enumType.IsEnum => $"one of {string.Join(", ", Enum.GetNames(enumType))}",
        var number when number == typeof(int) || number == typeof(long) => "a whole number",
        var time when time == typeof(TimeSpan) => "a time span such as 00:00:30",
        var flag when flag == typeof(bool) => "true or false",
        var other => $"a {other.Name}",
    };

    /// <summary>The value type of a dictionary or the item type of a list, whose keys are names or indexes, not settings.</summary>
    static Type? ElementType(Type type) =>
        type.IsArray ? type.GetElementType()
        : type.IsGenericType && typeof(IEnumerable).IsAssignableFrom(type) ? type.GetGenericArguments()[^1]
        : null;

    static IEnumerable<string> Settings(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(property => property.CanWrite).Select(property => property.Name);
}
