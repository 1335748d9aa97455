// A stand-in for `next/cache`'s revalidatePath and revalidateTag, with Next.js 16's
// signatures, so the templates type-check without installing `next`.
export declare function revalidatePath(originalPath: string, type?: "layout" | "page"): undefined;
export declare function revalidateTag(tag: string, profile: string | { expire?: number }): undefined;
