import type { MetadataRoute } from "next";

/**
 * robots.txt where one host is both app and short links: crawlers may fetch short links (link
 * previews need them; each page says noindex), but not the API or the app's own pages.
 */
export default function robots(): MetadataRoute.Robots {
  return { rules: { userAgent: "*", allow: "/", disallow: ["/api/", "/app/", "/setup", "/docs/"] } };
}
